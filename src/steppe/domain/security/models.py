"""Security events stations report and the certificates Steppe signed for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class SecurityEvent:
    id: int
    station_id: str
    type: str
    tech_info: str | None
    occurred_at: datetime
    received_at: datetime
    ocpp_version: str

    @classmethod
    def from_row(cls, row: Any) -> SecurityEvent:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True, slots=True)
class IssuedCertificateRecord:
    id: int
    station_id: str
    serial: str
    subject: str
    not_before: datetime
    not_after: datetime
    certificate_pem: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> IssuedCertificateRecord:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


class RotationOutcome(StrEnum):
    """What became of a password rotation."""

    ACCEPTED = "accepted"  # the station took the new password and it is stored
    REJECTED = "rejected"  # the station refused; the old password still holds
    REBOOT_REQUIRED = "reboot-required"  # accepted, effective after the station restarts


@dataclass(frozen=True, slots=True)
class Rotation:
    outcome: RotationOutcome
    station_answer: str
