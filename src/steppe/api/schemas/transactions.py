"""Transaction bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from steppe.api.schemas.cdrs import CostOut
from steppe.domain.transactions.models import Sample, Transaction
from steppe.types import ClosedBy, TransactionStatus


class TransactionOut(BaseModel):
    id: str
    station_id: str
    evse_id: int
    connector_id: int
    id_token: str | None
    started_at: datetime | None
    stopped_at: datetime | None
    meter_start_wh: int | None
    meter_stop_wh: int | None
    energy_wh: int | None
    status: TransactionStatus
    stop_reason: str | None
    offline: bool
    charging_state: str | None
    energy_check: str | None
    closed_by: ClosedBy | None
    cost: CostOut | None = Field(None, description="billed cost from the CDR; null without one")
    roaming_partner_id: str | None = Field(
        None, description="the OCPI partner whose driver charged (null for Steppe's own tokens)"
    )

    @classmethod
    def of(cls, tx: Transaction, ocpp_version: str | None = None) -> TransactionOut:
        # A 1.6 charger's connector N is EVSE N: show the number the charger uses.
        wire_connector = tx.connector_id if ocpp_version == "2.0.1" else tx.evse_id
        return cls(
            id=tx.id,
            station_id=tx.station_id,
            evse_id=tx.evse_id,
            connector_id=wire_connector,
            id_token=tx.id_token,
            started_at=tx.started_at,
            stopped_at=tx.stopped_at,
            meter_start_wh=tx.meter_start_wh,
            meter_stop_wh=tx.meter_stop_wh,
            energy_wh=tx.energy_wh,
            status=tx.status,
            stop_reason=tx.stop_reason,
            offline=tx.offline,
            charging_state=tx.charging_state,
            energy_check=tx.energy_check,
            closed_by=tx.closed_by,
            roaming_partner_id=tx.roaming_partner_id,
        )


class SampleOut(BaseModel):
    timestamp: datetime
    measurand: str
    value: str
    unit: str
    phase: str | None
    location: str | None
    context: str | None

    @classmethod
    def of(cls, s: Sample) -> SampleOut:
        return cls(
            timestamp=s.timestamp,
            measurand=s.measurand,
            value=str(s.value),
            unit=s.unit,
            phase=s.phase or None,
            location=s.location or None,
            context=s.context or None,
        )


class TransactionDetail(TransactionOut):
    meter_values: list[SampleOut]


class TransactionPage(BaseModel):
    items: list[TransactionOut]
    next: str | None
