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

from steppe.domain.commands.audit import AuditLog, outcome_of
from steppe.domain.commands.models import CommandParams as Params
from steppe.domain.commands.models import (
    GetBaseReport,
    GetLog,
    RemoteStart,
    SetConfiguration,
    SetVariables,
    UpdateFirmware,
)
from steppe.domain.ports import CommandSender
from steppe.domain.stations.service import StationService
from steppe.domain.tokens.service import TokenService
from steppe.errors import (
    CommandUnavailable,
    InvalidInput,
    NotFound,
    StationNotConnected,
    SteppeError,
)
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


# What only an admin may change on a station, because it decides who the station trusts and how
# it proves itself: its password, security profile, identity and where it connects to.
SECURITY_KEYS = frozenset(
    {"authorizationkey", "securityprofile", "cponame", "additionalrootcertificatecheck"}
)
SECURITY_COMPONENTS = frozenset({"securityctrlr"})
SECURITY_VARIABLES = frozenset(
    {"basicauthpassword", "securityprofile", "identity", "networkconfigurationpriority"}
)


def touches_security(params: Params) -> bool:
    """Whether a configuration command changes a station's credentials or security settings."""
    if isinstance(params, SetConfiguration):
        return params.key.lower() in SECURITY_KEYS or _secret_name(params.key)
    if isinstance(params, SetVariables):
        return any(
            item.component.lower() in SECURITY_COMPONENTS
            or item.variable.lower() in SECURITY_VARIABLES
            or _secret_name(item.variable)
            for item in params.variables
        )
    return False


def _check_wire_numbers(value: Any, where: str = "") -> None:
    """Whole numbers in a payload must fit in 64 bits to be sent at all (JSON on the wire)."""
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            raise InvalidInput(f"{where or 'payload'}: a number too large to send")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_wire_numbers(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_wire_numbers(item, f"{where}[{index}]")


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


class CommandService:
    def __init__(
        self,
        audit: AuditLog,
        sender: CommandSender,
        encoders: Mapping[str, CommandEncoder],
        stations: StationService,
        tokens: TokenService,
    ) -> None:
        self._audit = audit
        self._sender = sender
        self._encoders = dict(encoders)
        self._stations = stations
        self._tokens = tokens

    @property
    def outcomes(self) -> dict[tuple[str, CommandOutcome], int]:
        """(command, outcome) -> count of audited calls, read by the metrics endpoint."""
        return self._audit.outcomes

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
        entry_id = await self._audit.open(actor, station_id, command, version, redact(params))
        settled = {"actor": actor, "station_id": station_id, "command": command}
        try:
            if version is None:
                raise StationNotConnected(f"station {station_id!r} is not connected")
            encoder = self._encoders.get(version)
            if encoder is None:
                raise CommandUnavailable(f"no commands for OCPP {version}")
            action, payload = encoder.encode(command, params)
            _check_wire_numbers(payload)
            response = await self._sender.call(station_id, action, payload, timeout=timeout)
            status = encoder.status_of(command, response)
        except SteppeError as error:
            await self._audit.settle(
                entry_id, **settled, outcome=outcome_of(error), error=str(error)
            )
            raise
        await self._audit.settle(
            entry_id, **settled, outcome=CommandOutcome.ANSWERED, status=status
        )
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
        rows = await self._audit.page(
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
