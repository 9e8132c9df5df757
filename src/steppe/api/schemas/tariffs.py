"""Tariff bodies: the OCPI 2.2.1 Tariff object; decimals in as text or numbers, out as text."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from steppe.api.schemas.values import Moment
from steppe.domain.tariffs.currencies import MINOR_UNITS
from steppe.domain.tariffs.models import (
    MAX_ALT_TEXTS,
    MAX_COMPONENTS,
    MAX_DECIMALS,
    MAX_DURATION_S,
    MAX_ELEMENTS,
    MAX_PRICE,
    MAX_QUANTITY,
    MAX_STEP_SIZE,
)
from steppe.domain.tariffs.service import Assignment

TariffId = Annotated[
    str, StringConstraints(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9\-._~:]+$")
]
Amount = Annotated[
    Decimal, Field(ge=0, le=MAX_PRICE, allow_inf_nan=False, decimal_places=MAX_DECIMALS)
]
Quantity = Annotated[
    Decimal, Field(ge=0, le=MAX_QUANTITY, allow_inf_nan=False, decimal_places=MAX_DECIMALS)
]
TimeOfDay = Annotated[str, StringConstraints(pattern=r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$")]
Day = Annotated[
    str, StringConstraints(pattern=r"^[12][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
]
Weekday = Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]


class PriceBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    excl_vat: Amount
    incl_vat: Amount | None = None


class PriceComponentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["ENERGY", "TIME", "PARKING_TIME", "FLAT"]
    price: Amount = Field(description="per kWh (ENERGY), per hour (TIME, PARKING_TIME) or once")
    vat: Annotated[Decimal, Field(ge=0, le=100)] | None = Field(
        None, description="percent; when absent the country's rate on the day applies"
    )
    step_size: int = Field(
        1, ge=0, le=MAX_STEP_SIZE, description="Wh for ENERGY, seconds for the times"
    )


class RestrictionsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start_time: TimeOfDay | None = None
    end_time: TimeOfDay | None = Field(None, description="before start_time: wraps past midnight")
    start_date: Day | None = None
    end_date: Day | None = Field(None, description="exclusive")
    min_kwh: Quantity | None = None
    max_kwh: Quantity | None = Field(None, description="exclusive")
    min_current: Quantity | None = None
    max_current: Quantity | None = None
    min_power: Quantity | None = None
    max_power: Quantity | None = None
    min_duration: int | None = Field(None, ge=0, le=MAX_DURATION_S, description="seconds")
    max_duration: int | None = Field(
        None, ge=0, le=MAX_DURATION_S, description="seconds, exclusive"
    )
    day_of_week: list[Weekday] = Field(default_factory=list, max_length=7)
    reservation: Literal["RESERVATION", "RESERVATION_EXPIRES"] | None = None


class ElementBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    price_components: list[PriceComponentBody] = Field(..., min_length=1, max_length=MAX_COMPONENTS)
    restrictions: RestrictionsBody | None = None


class DisplayText(BaseModel):
    model_config = ConfigDict(extra="forbid")
    language: str = Field(..., min_length=2, max_length=2)
    text: str = Field(..., max_length=512)


class TariffBody(BaseModel):
    """A tariff; OCPI fields Steppe does not use (party_id, energy_mix, ...) are accepted."""

    model_config = ConfigDict(extra="ignore")
    id: TariffId
    currency: str = Field(..., examples=["KZT"])
    type: (
        Literal["AD_HOC_PAYMENT", "PROFILE_CHEAP", "PROFILE_FAST", "PROFILE_GREEN", "REGULAR"]
        | None
    ) = None
    tariff_alt_text: list[DisplayText] = Field(default_factory=list, max_length=MAX_ALT_TEXTS)
    min_price: PriceBody | None = None
    max_price: PriceBody | None = None
    elements: list[ElementBody] = Field(..., min_length=1, max_length=MAX_ELEMENTS)
    start_date_time: Moment | None = None
    end_date_time: Moment | None = None

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        if value not in MINOR_UNITS:
            raise ValueError(f"not a supported ISO 4217 currency: {value!r}")
        return value

    def as_domain(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=False)


class TariffUpdate(TariffBody):
    id: TariffId | None = None  # type: ignore[assignment]


class TariffOut(TariffBody):
    last_updated: datetime | None = None

    @classmethod
    def of(cls, data: dict[str, Any]) -> TariffOut:
        return cls.model_validate(data)


class TariffPage(BaseModel):
    items: list[TariffOut]
    next: str | None


class EstimateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    energy_kwh: Annotated[Decimal, Field(ge=0, le=10000, allow_inf_nan=False)]
    duration_minutes: Annotated[Decimal, Field(ge=0, le=10080, allow_inf_nan=False)]
    parking_minutes: Annotated[Decimal, Field(ge=0, le=10080, allow_inf_nan=False)] = Decimal(0)
    start: Moment | None = Field(None, description="default: now")
    country: str | None = Field(
        None, pattern=r"^[A-Z]{2}$", description="for VAT; else the station's"
    )
    time_zone: str | None = Field(None, description="IANA zone; else the station's, else UTC")
    station_id: str | None = Field(None, max_length=48, description="take zone and country from it")

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"not an IANA time zone: {value!r}") from exc
        return value


class Money(BaseModel):
    currency: str
    excl_vat: str
    incl_vat: str


class Estimate(BaseModel):
    """A priced session: periods with what each dimension cost, totals per dimension, the total."""

    tariff_id: str
    currency: str
    start: datetime
    end: datetime
    time_zone: str
    country: str | None
    energy_wh: str
    charging_seconds: str
    parking_seconds: str
    periods: list[dict[str, Any]]
    dimensions: list[dict[str, Any]]
    clamped_by: str | None
    total_cost: Money

    @classmethod
    def of(cls, data: dict[str, Any]) -> Estimate:
        return cls.model_validate(
            {**data, "total_cost": {**data["total_cost"], "currency": data["currency"]}}
        )


class StationTariffBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tariff_id: TariffId | None = None
    tariff_ids: list[TariffId] | None = Field(
        None, max_length=10, description="in order: the first valid when a session starts applies"
    )
    evse_id: int | None = Field(None, ge=1, description="absent: the whole station")

    def ids(self) -> list[str]:
        if self.tariff_ids is not None:
            return list(self.tariff_ids)
        return [] if self.tariff_id is None else [self.tariff_id]


class AssignmentOut(BaseModel):
    station_id: str
    evse_id: int | None
    tariff_ids: list[str]

    @classmethod
    def of(cls, a: Assignment) -> AssignmentOut:
        return cls(station_id=a.station_id, evse_id=a.evse_id, tariff_ids=list(a.tariff_ids))


class StationTariffOut(BaseModel):
    station_id: str
    evse_id: int | None
    at: datetime
    tariff: TariffOut | None = Field(description="the tariff a session starting `at` would get")
    assignments: list[AssignmentOut]
