"""Sending operator commands to stations, with every one written to the audit log.

The audit row is written before the call leaves and settled with its outcome afterwards, so a
command cut short by a crash still shows up (as `pending`).
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from steppe.domain.commands.models import CommandParams as Params
from steppe.domain.commands.models import (
    GetBaseReport,
    GetLog,
    RemoteStart,
    SetConfiguration,
    SetVariables,
    UpdateFirmware,
)
from steppe.domain.events import EventBus, EventType
from steppe.domain.ports import Clock, CommandSender
from steppe.domain.stations.service import StationService
from steppe.domain.tokens.service import TokenService
from steppe.errors import (
    CommandTimeout,
    CommandUnavailable,
    InvalidInput,
    NotFound,
    StationNotConnected,
    StationRejectedCall,
    SteppeError,
)
from steppe.storage.db import Database
from steppe.storage.repositories import audit as repo
from steppe.types import CommandOutcome

REDACTED = "***"
# Configuration keys and variables whose values are secrets (matched case-insensitively).
SECRET_WORDS = ("password", "authorizationkey", "secret", "token", "privatekey")


class CommandEncoder(Protocol):
    """One OCPP version's way of carrying commands (filled in from the protocol layer)."""

    def encode(self, command: str, params: Params) -> tuple[str, dict[str, Any]]:
        """The action and a schema-valid payload; CommandUnavailable or InvalidInput if none."""
        ...

    def status_of(self, command: str, response: dict[str, Any]) -> str: ...


@dataclass(frozen=True, slots=True)
class CommandResult:
    status: str
    response: dict[str, Any]
    action: str
    audit_id: int


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    command: str
    station_id: str
    ocpp_version: str | None
    params: dict[str, Any]
    outcome: CommandOutcome
    status: str | None
    error: str | None
    finished_at: datetime | None
    target: str | None = None  # what a change in the console touched (commands: none)

    @classmethod
    def from_row(cls, row: Any) -> AuditEntry:
        return cls(
            id=row["id"],
            at=row["at"],
            actor=row["actor"],
            command=row["command"],
            station_id=row["station_id"],
            ocpp_version=row["ocpp_version"],
            params=json.loads(row["params"]),
            outcome=CommandOutcome(row["outcome"]),
            status=row["status"],
            error=row["error"],
            finished_at=row["finished_at"],
            target=row["target"],
        )


def _secret_name(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS)


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{parts.username}:{REDACTED}@{host}"))


def redact(params: Params) -> dict[str, Any]:
    """The parameters as they go into the audit log: secret values and URL passwords hidden."""
    data = params.model_dump(mode="json", exclude_none=True)
    if isinstance(params, SetConfiguration) and _secret_name(params.key):
        data["value"] = REDACTED
    if isinstance(params, SetVariables):
        for item in data["variables"]:
            if _secret_name(item["variable"]) or _secret_name(item["component"]):
                item["value"] = REDACTED
    if isinstance(params, UpdateFirmware | GetLog):
        data["location"] = _without_password(params.location)
    return data


def _outcome(error: SteppeError) -> CommandOutcome:
    if isinstance(error, StationNotConnected):
        return CommandOutcome.NOT_CONNECTED
    if isinstance(error, CommandTimeout):
        return CommandOutcome.TIMEOUT
    if isinstance(error, InvalidInput):
        return CommandOutcome.REFUSED
    if isinstance(error, StationRejectedCall):
        return CommandOutcome.CALL_ERROR
    if isinstance(error, NotFound):
        return CommandOutcome.NOT_FOUND
    return CommandOutcome.ERROR


class CommandService:
    def __init__(
        self,
        db: Database,
        sender: CommandSender,
        encoders: Mapping[str, CommandEncoder],
        stations: StationService,
        tokens: TokenService,
        bus: EventBus,
        clock: Clock,
    ) -> None:
        self._db = db
        self._sender = sender
        self._encoders = dict(encoders)
        self._stations = stations
        self._tokens = tokens
        self._bus = bus
        self._clock = clock
        # (command, outcome) -> count, read by the metrics endpoint
        self.outcomes: dict[tuple[str, CommandOutcome], int] = {}

    async def send(
        self,
        actor: str,
        station_id: str,
        command: str,
        params: Params,
        *,
        timeout: float | None = None,
    ) -> CommandResult:
        """Send `command` and return the charger's answer; the outcome is audited either way."""
        await self._stations.get(station_id)  # NotFound for an unknown station
        params = await self._complete(params)
        version = self._sender.version_of(station_id)
        entry_id = await self._open(actor, station_id, command, version, params)
        try:
            if version is None:
                raise StationNotConnected(f"station {station_id!r} is not connected")
            encoder = self._encoders.get(version)
            if encoder is None:
                raise CommandUnavailable(f"no commands for OCPP {version}")
            action, payload = encoder.encode(command, params)
            response = await self._sender.call(station_id, action, payload, timeout=timeout)
            status = encoder.status_of(command, response)
        except SteppeError as error:
            await self._settle(entry_id, _outcome(error), None, str(error))
            self._publish(entry_id, actor, station_id, command, None, _outcome(error))
            raise
        await self._settle(entry_id, CommandOutcome.ANSWERED, status, None)
        self._publish(entry_id, actor, station_id, command, status, CommandOutcome.ANSWERED)
        return CommandResult(status, response, action, entry_id)

    async def _complete(self, params: Params) -> Params:
        """Fill in what the station needs and the caller may leave out (ids, the token type)."""
        updates: dict[str, Any] = {}
        if isinstance(params, RemoteStart):
            if params.remote_start_id is None:
                updates["remote_start_id"] = secrets.randbelow(2**31 - 1) + 1
            if params.id_token_type is None:
                with contextlib.suppress(NotFound):
                    updates["id_token_type"] = (await self._tokens.get(params.id_token)).type
        if (
            isinstance(params, UpdateFirmware | GetLog | GetBaseReport)
            and params.request_id is None
        ):
            updates["request_id"] = secrets.randbelow(2**31 - 1) + 1
        return params.model_copy(update=updates) if updates else params

    async def _open(
        self, actor: str, station_id: str, command: str, version: str | None, params: Params
    ) -> int:
        values = {
            "at": self._clock.now(),
            "actor": actor[:100],
            "command": command,
            "station_id": station_id,
            "ocpp_version": version,
            "params": json.dumps(redact(params), separators=(",", ":")),
            "outcome": CommandOutcome.PENDING.value,
        }
        async with self._db.begin() as conn:
            return await repo.insert(conn, values)

    async def _settle(
        self, entry_id: int, outcome: CommandOutcome, status: str | None, error: str | None
    ) -> None:
        values = {
            "outcome": outcome.value,
            "status": status,
            "error": error[:2000] if error else None,
            "finished_at": self._clock.now(),
        }
        async with self._db.begin() as conn:
            await repo.settle(conn, entry_id, values)

    def _publish(
        self,
        entry_id: int,
        actor: str,
        station_id: str,
        command: str,
        status: str | None,
        outcome: CommandOutcome,
    ) -> None:
        key = (command, outcome)
        self.outcomes[key] = self.outcomes.get(key, 0) + 1
        data = {
            "audit_id": entry_id,
            "command": command,
            "actor": actor,
            "outcome": outcome.value,
            "status": status,
        }
        self._bus.publish(EventType.COMMAND_RESULT, station_id, data)

    async def audit(
        self,
        *,
        station_id: str | None = None,
        actor: str | None = None,
        command: str | None = None,
        outcome: CommandOutcome | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        before: int | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        async with self._db.connect() as conn:
            rows = await repo.page(
                conn,
                station_id=station_id,
                actor=actor,
                command=command,
                outcome=outcome,
                since=since,
                until=until,
                before=before,
                limit=limit,
            )
        return [AuditEntry.from_row(row) for row in rows]
