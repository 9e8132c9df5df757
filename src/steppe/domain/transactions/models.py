"""Transactions and meter samples as the rest of Steppe sees them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from steppe.domain.tokens.models import Authorization

ENERGY_REGISTER = "Energy.Active.Import.Register"


@dataclass(frozen=True, slots=True)
class Sample:
    """One measured value, already in its base unit (Wh, W, A, V, Percent, ...)."""

    timestamp: datetime
    measurand: str
    value: Decimal
    unit: str = ""
    phase: str = ""
    location: str = ""
    context: str = ""

    def as_row(self, station_id: str, evse_id: int, transaction_pk: int | None) -> dict[str, Any]:
        return {
            "station_id": station_id,
            "evse_id": evse_id,
            "transaction_id": transaction_pk,
            "timestamp": self.timestamp,
            "measurand": self.measurand,
            "phase": self.phase,
            "location": self.location,
            "context": self.context,
            "unit": self.unit,
            "value": str(self.value),
        }

    @classmethod
    def from_row(cls, row: Any) -> Sample:
        return cls(
            timestamp=row["timestamp"],
            measurand=row["measurand"],
            value=Decimal(row["value"]),
            unit=row["unit"],
            phase=row["phase"],
            location=row["location"],
            context=row["context"],
        )


def energy_register_wh(samples: list[Sample] | tuple[Sample, ...]) -> list[tuple[datetime, int]]:
    """The whole-meter energy register readings among `samples`, in Wh, oldest first."""
    readings = [
        (s.timestamp, int(s.value.to_integral_value()))
        for s in samples
        if s.measurand == ENERGY_REGISTER and not s.phase and s.unit in ("Wh", "")
    ]
    readings.sort(key=lambda pair: pair[0])
    return readings


@dataclass(frozen=True, slots=True)
class Transaction:
    pk: int
    id: str
    station_id: str
    evse_id: int
    connector_id: int
    id_token: str | None
    status: str
    started_at: datetime | None
    stopped_at: datetime | None
    meter_start_wh: int | None
    meter_stop_wh: int | None
    energy_wh: int | None
    stop_reason: str | None
    offline: bool
    charging_state: str | None
    energy_check: str | None
    closed_by: str | None
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Transaction:
        return cls(
            pk=row["id"],
            id=row["ocpp_id"] or str(row["id"]),
            station_id=row["station_id"],
            evse_id=row["evse_id"],
            connector_id=row["connector_id"],
            id_token=row["id_token"],
            status=row["status"],
            started_at=row["started_at"],
            stopped_at=row["stopped_at"],
            meter_start_wh=row["meter_start_wh"],
            meter_stop_wh=row["meter_stop_wh"],
            energy_wh=row["energy_wh"],
            stop_reason=row["stop_reason"],
            offline=bool(row["offline"]),
            charging_state=row["charging_state"],
            energy_check=row["energy_check"],
            closed_by=row["closed_by"],
            updated_at=row["updated_at"],
        )


@dataclass(frozen=True, slots=True)
class Started:
    pk: int
    id: str
    authorization: Authorization | None
    duplicate: bool
