"""Security rules: sign a station's CSR with the configured CA, keep its security events, and
rotate its Basic-auth password through the station itself."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Any

from steppe.domain.commands.audit import AuditLog, outcome_of
from steppe.domain.events import EventBus, EventType
from steppe.domain.ports import Clock, CommandSender
from steppe.domain.security.models import (
    IssuedCertificateRecord,
    Rotation,
    RotationOutcome,
    SecurityEvent,
)
from steppe.domain.stations.service import StationService
from steppe.errors import Forbidden, InvalidInput, NotFound, StationNotConnected, SteppeError
from steppe.pki.authority import CertificateAuthority, IssuedCertificate
from steppe.storage.db import Database
from steppe.storage.group_commit import Batch, GroupCommitter
from steppe.storage.repositories import security as repo
from steppe.types import CommandOutcome

log = logging.getLogger("steppe.domain")

# 2.0.1 BasicAuthPassword: 16 to 40 characters. 1.6 AuthorizationKey: the password's bytes,
# 16 to 20 of them, sent as hexadecimal (at most 40 hex digits).
MIN_PASSWORD = 16
ROTATION = "password-rotation"
REDACTED = "***"
MAX_PASSWORD = {"1.6": 20, "2.0.1": 40}


class SigningUnavailable(Forbidden):
    """No CA key is configured, so station CSRs cannot be signed."""


def new_password(length: int) -> str:
    """A random password of `length` URL-safe characters (6 random bits each)."""
    return secrets.token_urlsafe(length)[:length]


def check_password_rules(password: str, version: str) -> None:
    longest = MAX_PASSWORD.get(version, 40)
    if not MIN_PASSWORD <= len(password) <= longest:
        raise InvalidInput(f"password: must have {MIN_PASSWORD} to {longest} characters")
    if not password.isascii() or not password.isprintable() or ":" in password:
        raise InvalidInput("password: printable ASCII characters only, no ':'")


class SecurityService:
    def __init__(
        self,
        db: Database,
        committer: GroupCommitter,
        bus: EventBus,
        clock: Clock,
        stations: StationService,
        commands: CommandSender,
        audit: AuditLog,
        *,
        authority: CertificateAuthority | None = None,
        organization: str | None = None,
    ) -> None:
        self._db = db
        self._committer = committer
        self._bus = bus
        self._clock = clock
        self._stations = stations
        self._commands = commands
        self._audit = audit
        self._authority = authority
        self._organization = organization

    async def sign_csr(self, station_id: str, csr_pem: str) -> IssuedCertificate:
        """Sign a station's CSR (CN must be the station id) and record what was issued."""
        if self._authority is None:
            raise SigningUnavailable("no CA key configured (STEPPE_TLS_CA_KEY_FILE)")
        issued = self._authority.sign_csr(csr_pem, station_id, organization=self._organization)
        certificate = issued.certificate
        now = self._clock.now()
        values = {
            "station_id": station_id,
            "serial": issued.serial_hex,
            "subject": certificate.subject.rfc4514_string(),
            "not_before": certificate.not_valid_before_utc,
            "not_after": certificate.not_valid_after_utc,
            "certificate_pem": issued.certificate_pem.decode("ascii"),
            "created_at": now,
        }

        async def write(batch: Batch) -> None:
            repo.add_certificate_later(batch, values)

        await self._committer.write(write)
        log.info("[%s] signed a certificate, serial %s", station_id, issued.serial_hex)
        self._bus.publish(EventType.CERTIFICATE_SIGNED, station_id, {"serial": issued.serial_hex})
        return issued

    async def revoke(self, station_id: str, serial: str) -> None:
        """Revoke a certificate Steppe issued to the station: OCSP answers REVOKED from now on."""
        async with self._db.begin() as conn:
            row = await repo.by_serial(conn, serial, "v2g") or await repo.by_serial(
                conn, serial, "station"
            )
            if row is None or row["station_id"] != station_id:
                raise NotFound(f"no certificate {serial!r} was issued to {station_id!r}")
            await repo.revoke(conn, serial, self._clock.now())
        log.info("[%s] certificate %s revoked", station_id, serial)

    async def certificates(self, station_id: str) -> list[IssuedCertificateRecord]:
        async with self._db.connect() as conn:
            rows = await repo.certificates_of(conn, station_id)
        return [IssuedCertificateRecord.from_row(row) for row in rows]

    async def record_event(
        self,
        station_id: str,
        event_type: str,
        *,
        occurred_at: datetime | None,
        tech_info: str | None,
        ocpp_version: str,
    ) -> None:
        """Store a SecurityEventNotification (durably, before it is acknowledged)."""
        now = self._clock.now()
        values = {
            "station_id": station_id,
            "type": event_type,
            "tech_info": tech_info,
            "occurred_at": occurred_at or now,
            "received_at": now,
            "ocpp_version": ocpp_version,
        }

        async def write(batch: Batch) -> None:
            repo.add_event_later(batch, values)

        await self._committer.write(write)
        log.info("[%s] security event %s", station_id, event_type)
        self._bus.publish(EventType.SECURITY_EVENT, station_id, {"type": event_type})

    async def events(
        self, station_id: str, *, before: int | None = None, limit: int = 100
    ) -> list[SecurityEvent]:
        await self._stations.get(station_id)  # NotFound for an unknown station
        async with self._db.connect() as conn:
            rows = await repo.events_of(conn, station_id, before=before, limit=limit)
        return [SecurityEvent.from_row(row) for row in rows]

    async def station_call(
        self,
        actor: str,
        station_id: str,
        command: str,
        action: str,
        payload: dict[str, Any],
        *,
        shown: dict[str, Any],
    ) -> dict[str, Any]:
        """Send a security call (certificates) to a station, audited under `command` with
        `shown` as its parameters; the station's answer."""
        await self._stations.get(station_id)
        version = self._commands.version_of(station_id)
        entry = await self._audit.open(actor, station_id, command, version, shown)
        settled = {"actor": actor, "station_id": station_id, "command": command}
        try:
            if version is None:
                raise StationNotConnected(f"station {station_id!r} is not connected")
            answer = await self._commands.call(station_id, action, payload)
        except SteppeError as error:
            await self._audit.settle(entry, **settled, outcome=outcome_of(error), error=str(error))
            raise
        status = str(answer.get("status"))
        await self._audit.settle(entry, **settled, outcome=CommandOutcome.ANSWERED, status=status)
        return answer

    async def rotate_password(
        self, actor: str, station_id: str, password: str | None = None
    ) -> Rotation:
        """Tell the station its new password; store the new hash only if it accepted. A
        password Steppe makes up goes to the station and nowhere else: not to the caller, not
        to the audit log (which shows `***`)."""
        await self._stations.get(station_id)
        commands = self._commands
        version = commands.version_of(station_id)
        shown = {"password": REDACTED, "generated": password is None}
        entry = await self._audit.open(actor, station_id, ROTATION, version, shown)
        settled = {"actor": actor, "station_id": station_id, "command": ROTATION}
        try:
            if version is None:
                raise StationNotConnected(f"station {station_id!r} is not connected")
            rotation = await self._rotate(station_id, version, password)
        except SteppeError as error:
            await self._audit.settle(entry, **settled, outcome=outcome_of(error), error=str(error))
            raise
        await self._audit.settle(
            entry, **settled, outcome=CommandOutcome.ANSWERED, status=rotation.station_answer
        )
        return rotation

    async def _rotate(self, station_id: str, version: str, password: str | None) -> Rotation:
        commands = self._commands
        if password is None:
            password = new_password(MAX_PASSWORD.get(version, 40))
        check_password_rules(password, version)
        if version == "1.6":
            answer = await commands.call(
                station_id,
                "ChangeConfiguration",
                {"key": "AuthorizationKey", "value": password.encode().hex()},
            )
            status = str(answer.get("status"))
        else:
            answer = await commands.call(
                station_id,
                "SetVariables",
                {
                    "setVariableData": [
                        {
                            "component": {"name": "SecurityCtrlr"},
                            "variable": {"name": "BasicAuthPassword"},
                            "attributeValue": password,
                        }
                    ]
                },
            )
            results = answer.get("setVariableResult") or [{}]
            status = str(results[0].get("attributeStatus"))
        if status not in ("Accepted", "RebootRequired"):
            log.info("[%s] refused the new password: %s", station_id, status)
            return Rotation(RotationOutcome.REJECTED, status)
        await self._stations.set_password(station_id, password)
        log.info("[%s] password rotated (%s)", station_id, status)
        self._bus.publish(EventType.STATION_PASSWORD_ROTATED, station_id, {"status": status})
        outcome = (
            RotationOutcome.REBOOT_REQUIRED
            if status == "RebootRequired"
            else RotationOutcome.ACCEPTED
        )
        return Rotation(outcome, status)
