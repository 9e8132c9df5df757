"""Transaction bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from steppe.api.schemas.cdrs import CostOut
from steppe.domain.transactions.models import Sample, SignedValue, Transaction
from steppe.types import EVSE_OCPP_VERSIONS, ClosedBy, TransactionStatus


class PricingOut(BaseModel):
    status: Literal["queued", "failed"]
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None


class TransactionOut(BaseModel):
    id: str
    station_id: str
    evse_id: int
    connector_id: int
    id_token: str | None
    id_token_type: str | None = Field(None, description="2.0.1 idToken type (ISO14443, eMAID, ...)")
    station_transaction_id: str | None = Field(
        None, description="1.6: the id the station gave a transaction it ran offline"
    )
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
    pricing: PricingOut | None = Field(
        None, description="a finished transaction still without its CDR: queued, or failed and why"
    )
    roaming_partner_id: str | None = Field(
        None, description="the OCPI partner whose driver charged (null for Steppe's own tokens)"
    )

    @classmethod
    def of(cls, tx: Transaction, ocpp_version: str | None = None) -> TransactionOut:
        # A 1.6 charger's connector N is EVSE N: show the number the charger uses.
        wire_connector = tx.connector_id if ocpp_version in EVSE_OCPP_VERSIONS else tx.evse_id
        return cls(
            id=tx.id,
            station_id=tx.station_id,
            evse_id=tx.evse_id,
            connector_id=wire_connector,
            id_token=tx.id_token,
            id_token_type=tx.id_token_type,
            station_transaction_id=tx.station_tx_id,
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
    replaced_value: str | None = Field(
        None, description="a correction: the value this sample replaced (same time and kind)"
    )
    revisions: int = Field(0, description="how many times the station corrected this sample")

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
            replaced_value=None if s.replaced_value is None else str(s.replaced_value),
            revisions=s.revisions,
        )


class SignedValueOut(BaseModel):
    """A signed meter reading exactly as the station sent it, for transparency software."""

    timestamp: datetime
    format: str = Field(description="OCMF, SignedData (1.6) or the 2.0.1 encodingMethod")
    signing_method: str | None
    measurand: str | None
    context: str | None
    public_key: str | None
    data: str

    @classmethod
    def of(cls, v: SignedValue) -> SignedValueOut:
        return cls(
            timestamp=v.timestamp,
            format=v.format,
            signing_method=v.signing_method or None,
            measurand=v.measurand or None,
            context=v.context or None,
            public_key=v.public_key,
            data=v.data,
        )


class TransactionDetail(TransactionOut):
    meter_values: list[SampleOut]
    signed_meter_values: list[SignedValueOut] = Field(default_factory=list)


class TransactionPage(BaseModel):
    items: list[TransactionOut]
    next: str | None
