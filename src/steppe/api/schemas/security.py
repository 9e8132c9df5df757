"""Bodies of the station security endpoints: events, certificates, password rotation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from steppe.domain.security.models import IssuedCertificateRecord, SecurityEvent

CertificateKind = Literal["csms_root", "manufacturer_root", "v2g_root", "mo_root"]
Hex = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[0-9A-Fa-f]+$")]


class SecurityEventOut(BaseModel):
    id: int
    type: str
    tech_info: str | None
    occurred_at: datetime
    received_at: datetime
    ocpp_version: str

    @classmethod
    def of(cls, event: SecurityEvent) -> SecurityEventOut:
        return cls(
            id=event.id,
            type=event.type,
            tech_info=event.tech_info,
            occurred_at=event.occurred_at,
            received_at=event.received_at,
            ocpp_version=event.ocpp_version,
        )


class SecurityEventPage(BaseModel):
    items: list[SecurityEventOut]
    next: int | None = Field(None, description="pass as `before` for the next (older) page")


class IssuedCertificateOut(BaseModel):
    serial: str
    subject: str
    not_before: datetime
    not_after: datetime
    certificate_pem: str
    created_at: datetime

    @classmethod
    def of(cls, record: IssuedCertificateRecord) -> IssuedCertificateOut:
        return cls(
            serial=record.serial,
            subject=record.subject,
            not_before=record.not_before,
            not_after=record.not_after,
            certificate_pem=record.certificate_pem,
            created_at=record.created_at,
        )


class CertificateInstall(BaseModel):
    model_config = ConfigDict(extra="forbid")

    certificate_type: CertificateKind
    certificate: str = Field(
        min_length=64, max_length=5500, pattern=r"^-----BEGIN CERTIFICATE-----"
    )


class CertificateHash(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hash_algorithm: Literal["SHA256", "SHA384", "SHA512"]
    issuer_name_hash: Hex
    issuer_key_hash: Hex
    serial_number: Annotated[str, StringConstraints(min_length=1, max_length=40)]

    def as_ocpp(self) -> dict[str, str]:
        return {
            "hashAlgorithm": self.hash_algorithm,
            "issuerNameHash": self.issuer_name_hash,
            "issuerKeyHash": self.issuer_key_hash,
            "serialNumber": self.serial_number,
        }


class StationAnswer(BaseModel):
    """A station's answer to a command, as it sent it."""

    status: str
    answer: dict[str, Any]


class PasswordRotation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str | None = Field(
        None,
        min_length=16,
        max_length=40,
        description="the new password; omit it and Steppe makes one up that only the station "
        "learns",
    )


class RotationOut(BaseModel):
    outcome: Literal["accepted", "rejected", "reboot-required"]
    station_answer: str
