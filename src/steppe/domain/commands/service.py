"""Sending operator commands to stations, with every one written to the audit log.

The audit row is written before the call leaves and settled with its outcome afterwards, so a
command cut short by a crash still shows up (as `pending`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from steppe.domain.commands.audit import AuditLog, outcome_of
from steppe.domain.commands.models import (
    ChangeTransactionTariff,
    CostUpdated,
    GetLog,
    RemoteStart,
    ReserveNow,
    SetConfiguration,
    SetDefaultTariff,
    SetDisplayMessage,
    SetVariables,
    TriggerMessage,
    UpdateFirmware,
)
from steppe.domain.commands.models import CommandParams as Params
from steppe.domain.ports import CommandSender
from steppe.domain.stations.models import Registration, Station
from steppe.domain.stations.service import StationService
from steppe.domain.tariffs.models import Tariff
from steppe.domain.tokens.service import TokenService
from steppe.errors import (
    CommandUnavailable,
    InvalidInput,
    NotFound,
    StationNotAccepted,
    StationNotConnected,
    StationRejectedCall,
    SteppeError,
)
from steppe.types import CommandOutcome

REDACTED = "***"
# What a pending station may not be asked: anything that starts or ends a charge (OCPP 2.0.1
# B02.FR.05, and 1.6 lets the central system only read and change configuration then).
BOOT_AGAIN = TriggerMessage(message="BootNotification")
log = logging.getLogger("steppe.domain")
NOT_WHILE_PENDING = frozenset({"remote-start", "remote-stop", "reserve-now"})
# Configuration keys and variables whose values are secrets (matched case-insensitively).
SECRET_WORDS = ("password", "authorizationkey", "secret", "token", "privatekey")


class CommandEncoder(Protocol):
    """One OCPP version's way of carrying commands (filled in from the protocol layer)."""

    def encode(self, command: str, params: Params) -> tuple[str, dict[str, Any]]:
        """The action and a schema-valid payload; CommandUnavailable or InvalidInput if none."""
        ...

    def status_of(self, command: str, response: dict[str, Any]) -> str: ...

    def follow_ups(self, command: str, params: Params) -> frozenset[str]:
        """The actions the station may send because it accepted `command`."""
        ...


class CostSource(Protocol):
    """The running cost incl. VAT of a station's transaction (the transactions service)."""

    async def total_cost(self, station_id: str, transaction_id: str) -> Decimal: ...


class TariffSource(Protocol):
    """A stored tariff by id, as it is sent to a station (the tariffs service)."""

    async def get(self, tariff_id: str) -> Tariff: ...


class CommandRecorder(Protocol):
    """Keeps the state a command implies (a reservation, a station's local list, a firmware
    job): told before the call leaves and of how it ended. Raising in `sending` refuses the
    command (audited as refused); `answered` and `failed` must not raise."""

    async def sending(self, station_id: str, command: str, params: Params) -> None: ...

    async def answered(
        self,
        station_id: str,
        command: str,
        params: Params,
        status: str,
        response: dict[str, Any],
    ) -> None: ...

    async def failed(
        self, station_id: str, command: str, params: Params, error: SteppeError
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class CommandResult:
    status: str
    response: dict[str, Any]
    action: str
    audit_id: int
    params: Params  # as sent, with the ids Steppe filled in


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
    if isinstance(params, SetDefaultTariff | ChangeTransactionTariff):
        data.pop("tariff", None)  # the stored tariff, named by tariff_id
    if isinstance(params, UpdateFirmware | GetLog):
        data["location"] = _without_password(params.location)
    return data


def _new_id() -> int:
    """An id for a request the station will refer to (positive, fits OCPP's 32-bit integers)."""
    return secrets.randbelow(2**31 - 1) + 1


def _check_registration(registration: Registration, command: str) -> None:
    if registration is Registration.REJECTED:
        raise StationNotAccepted("the station is rejected: it may not be sent commands")
    if registration is Registration.PENDING and command in NOT_WHILE_PENDING:
        raise StationNotAccepted(
            f"the station is pending: {command} waits until it is accepted "
            "(POST /api/v1/stations/{id}/accept)"
        )


class CommandService:
    def __init__(
        self,
        audit: AuditLog,
        sender: CommandSender,
        encoders: Mapping[str, CommandEncoder],
        stations: StationService,
        tokens: TokenService,
        *,
        recorders: Mapping[str, CommandRecorder],
        costs: CostSource,
        tariffs: TariffSource,
    ) -> None:
        self._audit = audit
        self._costs = costs
        self._tariffs = tariffs
        self._sender = sender
        self._encoders = dict(encoders)
        self._recorders = dict(recorders)
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
        station = await self._stations.get(station_id)  # NotFound for an unknown station
        params = await self._complete(station_id, params)
        version = self._sender.version_of(station_id)
        entry_id = await self._audit.open(actor, station_id, command, version, redact(params))
        settled = {"actor": actor, "station_id": station_id, "command": command}
        recorder = self._recorders.get(command)
        recorded = False
        try:
            if version is None:
                raise StationNotConnected(f"station {station_id!r} is not connected")
            _check_registration(station.registration, command)
            encoder = self._encoders.get(version)
            if encoder is None:
                raise CommandUnavailable(f"no commands for OCPP {version}")
            action, payload = encoder.encode(command, params)
            _check_wire_numbers(payload)
            if recorder is not None:
                await recorder.sending(station_id, command, params)
                recorded = True
            try:
                response = await self._sender.call(station_id, action, payload, timeout=timeout)
            except StationRejectedCall:
                self._stations.heard(station_id)
                raise
            self._stations.heard(station_id)
            status = encoder.status_of(command, response)
            if status.startswith("Accepted") or status == "OK":
                self._stations.expect(station_id, encoder.follow_ups(command, params))
        except SteppeError as error:
            if recorded and recorder is not None:
                await recorder.failed(station_id, command, params, error)
            await self._audit.settle(
                entry_id, **settled, outcome=outcome_of(error), error=str(error)
            )
            raise
        if recorder is not None:
            await recorder.answered(station_id, command, params, status, response)
        await self._audit.settle(
            entry_id, **settled, outcome=CommandOutcome.ANSWERED, status=status
        )
        return CommandResult(status, response, action, entry_id, params)

    async def accept(self, actor: str, station_id: str) -> Station:
        """Accept a pending station and, when it is connected, ask it to boot again at once
        (TriggerMessage BootNotification) so it learns it is accepted without waiting for its
        next retry; the trigger is audited like any command, and its failure only logged."""
        station = await self._stations.accept(station_id)
        if self._sender.is_connected(station_id):
            try:
                await self.send(actor, station_id, "trigger-message", BOOT_AGAIN)
            except SteppeError as exc:
                log.info("[%s] accepted; the boot trigger failed: %s", station_id, exc)
        return station

    async def _complete(self, station_id: str, params: Params) -> Params:
        """Fill in what the station needs and the caller may leave out (ids, the token type)."""
        updates: dict[str, Any] = {}
        if isinstance(params, RemoteStart | ReserveNow) and params.id_token_type is None:
            with contextlib.suppress(NotFound):
                updates["id_token_type"] = (await self._tokens.get(params.id_token)).type
        if isinstance(params, RemoteStart) and params.remote_start_id is None:
            updates["remote_start_id"] = _new_id()
        if isinstance(params, ReserveNow) and params.reservation_id is None:
            updates["reservation_id"] = _new_id()
        if getattr(params, "request_id", 0) is None:  # the commands that take a request id
            updates["request_id"] = _new_id()
        if isinstance(params, SetDisplayMessage) and params.message.id is None:
            updates["message"] = params.message.model_copy(update={"id": _new_id()})
        if isinstance(params, SetDefaultTariff | ChangeTransactionTariff):
            updates["tariff"] = (await self._tariffs.get(params.tariff_id)).as_dict()
        if isinstance(params, CostUpdated) and params.total_cost is None:
            updates["total_cost"] = await self._costs.total_cost(station_id, params.transaction_id)
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
