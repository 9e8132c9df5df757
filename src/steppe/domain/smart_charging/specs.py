"""A site as an operator describes it (`PUT /api/v1/sites/{site_id}`): its grid connection, an
optional tree of circuits, its stations, and how their EVSEs are wired.

Stations sit in the circuit that lists them (the site's own `station_ids` are on the grid
connection). An EVSE not described in `evses` is taken as the site's `evse_max_current_a` on
the site's phase count with the rotation RST (its L1 on grid L1).
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from steppe.domain.smart_charging.models import MIN_CURRENT_A, PhaseRotation, Strategy
from steppe.domain.smart_charging.schedules import DayPrices, PriceStep
from steppe.errors import InvalidInput

Amps = Annotated[Decimal, Field(ge=0, le=100_000, decimal_places=1)]
StationId = Annotated[str, Field(min_length=1, max_length=48)]
GridPhaseName = Literal["L1", "L2", "L3"]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EvseSpec(_Spec):
    station_id: StationId
    evse_id: int = Field(1, ge=1, le=1_000)
    max_current_a: Amps | None = Field(None, description="hardware maximum per phase")
    phases: Literal[1, 3] | None = None
    rotation: str = Field(
        "RST", description="grid phases of the EVSE's L1, L2, L3 (RST, STR, ...; L2 for single)"
    )

    @field_validator("rotation")
    @classmethod
    def _known_rotation(cls, value: str) -> str:
        return PhaseRotation.parse(value).value


class CircuitSpec(_Spec):
    id: str = Field(..., min_length=1, max_length=64)
    max_current_a: Amps
    phases: Literal[1, 3] = 3
    phase: GridPhaseName | None = Field(None, description="the grid phase of a single-phase one")
    margin_a: Amps = Decimal(0)
    station_ids: list[StationId] = Field(default_factory=list, max_length=2_000)
    circuits: list[CircuitSpec] = Field(default_factory=list, max_length=200)


class PriceStepSpec(_Spec):
    starts: str = Field(..., pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="HH:MM")
    price_per_kwh: Decimal = Field(..., ge=0, le=1_000_000)


class PricesSpec(_Spec):
    """Energy prices by local time of day (a cheaper night, say), repeating daily."""

    zone: str = Field("UTC", min_length=1, max_length=64, description="IANA time zone")
    steps: list[PriceStepSpec] = Field(..., min_length=1, max_length=48)

    def day_prices(self) -> DayPrices:
        steps = tuple(
            PriceStep(time.fromisoformat(step.starts), step.price_per_kwh) for step in self.steps
        )
        return DayPrices(self.zone, steps)

    @model_validator(mode="after")
    def _valid(self) -> PricesSpec:
        try:
            self.day_prices()
        except InvalidInput as exc:
            raise ValueError(str(exc)) from None
        return self


class SiteSpec(_Spec):
    max_current_a: Amps = Field(..., gt=0, description="the grid connection, per phase")
    phases: Literal[1, 3] = 3
    phase: GridPhaseName | None = None
    station_ids: list[StationId] = Field(default_factory=list, max_length=2_000)
    circuits: list[CircuitSpec] = Field(default_factory=list, max_length=200)
    evses: list[EvseSpec] = Field(default_factory=list, max_length=5_000)
    margin_a: Amps = Field(Decimal(0), description="kept free below the limit")
    min_current_a: Amps = Field(MIN_CURRENT_A, description="a car below this is paused")
    evse_max_current_a: Amps = Field(Decimal(32), gt=0)
    strategy: Strategy = Strategy.EQUAL_SHARE
    prices: PricesSpec | None = Field(
        None, description="cars that tell their needs (2.0.1) get the cheapest schedule"
    )

    @model_validator(mode="after")
    def _each_station_once(self) -> SiteSpec:
        seen: set[str] = set()

        def visit(station_ids: list[str]) -> None:
            for station_id in station_ids:
                if station_id in seen:
                    raise ValueError(f"station {station_id!r} is listed twice")
                seen.add(station_id)

        def walk(circuits: list[CircuitSpec]) -> None:
            for circuit in circuits:
                visit(circuit.station_ids)
                walk(circuit.circuits)

        visit(self.station_ids)
        walk(self.circuits)
        for evse in self.evses:
            if evse.station_id not in seen:
                raise ValueError(f"evses: station {evse.station_id!r} is not on the site")
        if self.phases == 1 and self.phase is None:
            raise ValueError("a single-phase site names its grid phase (phase: L1, L2 or L3)")
        return self

    def all_station_ids(self) -> list[str]:
        found = list(self.station_ids)

        def walk(circuits: list[CircuitSpec]) -> None:
            for circuit in circuits:
                found.extend(circuit.station_ids)
                walk(circuit.circuits)

        walk(self.circuits)
        return found
