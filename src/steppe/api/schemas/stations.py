"""Station bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from steppe.domain.stations.models import Connector, Station

StationId = Annotated[
    str, StringConstraints(min_length=1, max_length=48, pattern=r"^[A-Za-z0-9\-._~:*]+$")
]
Password = Annotated[str, StringConstraints(min_length=8, max_length=64)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=255)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    address: str | None = Field(None, max_length=255)
    city: str | None = Field(None, max_length=64)
    country: Country | None = None
    time_zone: str | None = Field(None, max_length=64, examples=["Asia/Almaty"])

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"not an IANA time zone: {value!r}") from exc
        return value

    def as_fields(self) -> dict[str, object]:
        """The station columns these values fill (only the ones given)."""
        fields: dict[str, object] = {}
        for name, value in self.model_dump(exclude_unset=True).items():
            fields[name] = (
                str(value) if name in ("latitude", "longitude") and value is not None else value
            )
        return fields


class StationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: StationId
    password: Password | None = Field(
        None, description="Basic auth password (security profiles 1 and 2); stored hashed"
    )
    security_profile: Literal[1, 2, 3] = 1
    location: Location | None = None


class StationImportItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: StationId
    password: Password | None = None


class StationImport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stations: list[StationImportItem] = Field(..., min_length=1, max_length=20000)


class StationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    security_profile: Literal[1, 2, 3] | None = None
    location: Location | None = None
    registration: Literal["pending", "rejected"] | None = Field(
        None,
        description="hold a station back (pending) or refuse it (rejected); it learns it at its "
        "next BootNotification. Accept with POST /api/v1/stations/{id}/accept",
    )

    def changes(self) -> dict[str, object]:
        """The station fields this update sets."""
        fields: dict[str, object] = {}
        if self.security_profile is not None:
            fields["security_profile"] = self.security_profile
        if self.registration is not None:
            fields["registration"] = self.registration
        if self.location is not None:
            fields.update(self.location.as_fields())
        return fields


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: Password


class ConnectorOut(BaseModel):
    evse_id: int
    connector_id: int = Field(description="the id the charger uses on the wire for this connector")
    status: str | None
    error_code: str | None
    info: str | None
    status_at: datetime | None
    standard: str | None
    format: str | None
    power_type: str | None
    max_power_kw: str | None

    @classmethod
    def of(cls, c: Connector, ocpp_version: str | None) -> ConnectorOut:
        # A 1.6 charger numbers connectors across the station: its connector N is EVSE N.
        wire_id = c.evse_id if ocpp_version in (None, "1.6") else c.connector_id
        return cls(
            evse_id=c.evse_id,
            connector_id=wire_id,
            status=c.status,
            error_code=c.error_code,
            info=c.info,
            status_at=c.status_at,
            standard=c.standard,
            format=c.format,
            power_type=c.power_type,
            max_power_kw=c.max_power_kw,
        )


class EvseOut(BaseModel):
    """One EVSE (what charges one vehicle at a time) and its connectors."""

    id: int
    connectors: list[ConnectorOut]


def _evses(connectors: list[ConnectorOut]) -> list[EvseOut]:
    grouped: dict[int, list[ConnectorOut]] = {}
    for c in connectors:
        grouped.setdefault(c.evse_id, []).append(c)
    return [EvseOut(id=evse_id, connectors=grouped[evse_id]) for evse_id in sorted(grouped)]


class StationOut(BaseModel):
    id: str
    connected: bool
    registration: str
    security_profile: int
    has_password: bool
    ocpp_version: str | None
    vendor: str | None
    model: str | None
    serial_number: str | None
    firmware_version: str | None
    status: str | None
    error_code: str | None
    location: Location
    last_boot_at: datetime | None
    last_seen_at: datetime | None = Field(
        None, description="the last message or answer from the station"
    )
    created_at: datetime | None
    updated_at: datetime | None
    connectors: list[ConnectorOut]
    evses: list[EvseOut] = Field(description="the same connectors, grouped by EVSE")

    @classmethod
    def of(cls, s: Station, *, connected: bool, live_version: str | None) -> StationOut:
        version = live_version or s.ocpp_version
        connectors = [ConnectorOut.of(c, version) for c in s.connectors]
        return cls(
            id=s.id,
            connected=connected,
            registration=s.registration.value,
            security_profile=s.security_profile,
            has_password=s.has_password,
            ocpp_version=version,
            vendor=s.vendor,
            model=s.model,
            serial_number=s.serial_number,
            firmware_version=s.firmware_version,
            status=s.status,
            error_code=s.error_code,
            location=Location(
                name=s.name,
                latitude=float(s.latitude) if s.latitude is not None else None,
                longitude=float(s.longitude) if s.longitude is not None else None,
                address=s.address,
                city=s.city,
                country=s.country,
                time_zone=s.time_zone,
            ),
            last_boot_at=s.last_boot_at,
            last_seen_at=s.last_seen_at,
            created_at=s.created_at,
            updated_at=s.updated_at,
            connectors=connectors,
            evses=_evses(connectors),
        )


class StationPage(BaseModel):
    items: list[StationOut]
    next: str | None


class Imported(BaseModel):
    imported: int
