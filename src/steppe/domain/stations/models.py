"""What a station is to the rest of Steppe, whatever OCPP version it speaks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Registration(StrEnum):
    ACCEPTED = "accepted"
    PENDING = "pending"
    REJECTED = "rejected"


class Verdict(StrEnum):
    """The outcome of checking a station's credentials at the handshake."""

    ACCEPTED = "accepted"
    ADMITTED_PENDING = "admitted-pending"  # unknown, let in because unknown stations are allowed
    UNKNOWN = "unknown"
    WRONG_PASSWORD = "wrong-password"  # noqa: S105 - a verdict, not a secret
    NO_PASSWORD = "no-password"  # noqa: S105 - a verdict, not a secret
    TLS_REQUIRED = "tls-required"  # security profile 2 or 3 on a plain connection
    CERTIFICATE_REQUIRED = "certificate-required"  # profile 3 without this station's certificate
    # unknown, and its address registered too many newcomers lately (or too many are pending)
    REGISTRATION_LIMITED = "registration-limited"


@dataclass(frozen=True, slots=True)
class Connector:
    evse_id: int
    connector_id: int
    status: str | None = None
    error_code: str | None = None
    info: str | None = None
    vendor_error_code: str | None = None
    status_at: datetime | None = None
    standard: str | None = None
    format: str | None = None
    power_type: str | None = None
    max_power_kw: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> Connector:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True, slots=True)
class Station:
    id: str
    registration: Registration
    security_profile: int
    has_password: bool
    ocpp_version: str | None = None
    vendor: str | None = None
    model: str | None = None
    serial_number: str | None = None
    firmware_version: str | None = None
    iccid: str | None = None
    imsi: str | None = None
    status: str | None = None
    error_code: str | None = None
    name: str | None = None
    latitude: str | None = None
    longitude: str | None = None
    address: str | None = None
    city: str | None = None
    country: str | None = None
    time_zone: str | None = None
    last_boot_at: datetime | None = None
    last_seen_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    connectors: tuple[Connector, ...] = field(default=())

    @classmethod
    def from_row(cls, row: Any, connectors: tuple[Connector, ...] = ()) -> Station:
        plain = {
            name: row[name]
            for name in cls.__dataclass_fields__
            if name not in ("registration", "has_password", "connectors")
        }
        return cls(
            registration=Registration(row["registration"]),
            has_password=row["password_hash"] is not None,
            connectors=connectors,
            **plain,
        )


@dataclass(frozen=True, slots=True)
class BootInfo:
    vendor: str
    model: str
    serial_number: str | None = None
    firmware_version: str | None = None
    iccid: str | None = None
    imsi: str | None = None


@dataclass(frozen=True, slots=True)
class BootResult:
    registration: Registration
    interval: int
    current_time: datetime


@dataclass(slots=True)
class StationContext:
    """What one live connection knows about its station; lives as long as the connection."""

    station_id: str
    ocpp_version: str
    registration: Registration
    transactions: dict[str, int] = field(default_factory=dict)  # charger's id -> stored id
