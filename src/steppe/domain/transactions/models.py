"""Transactions and meter samples as the rest of Steppe sees them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from steppe.types import ClosedBy, TransactionStatus

# The measurand whose whole-meter readings (no phase) give a transaction's energy.
ENERGY_REGISTER = "Energy.Active.Import.Register"


@dataclass(frozen=True, slots=True)
class Sample:
    """One measured value, already in its base unit (Wh, W, A, V, Percent, ...).

    A sample sent again for the same time, measurand, phase, location and context with another
    value corrects the stored one: `replaced_value` is the value it replaced, `revisions` how
    many corrections it had (both only on samples read back from storage)."""

    timestamp: datetime
    measurand: str
    value: Decimal
    unit: str = ""
    phase: str = ""
    location: str = ""
    context: str = ""
    replaced_value: Decimal | None = None
    revisions: int = 0

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
            replaced_value=None
            if row["replaced_value"] is None
            else Decimal(row["replaced_value"]),
            revisions=int(row["revisions"] or 0),
        )

    @property
    def key(self) -> tuple[datetime, str, str, str, str]:
        """What makes two samples of one EVSE the same measurement."""
        return (self.timestamp, self.measurand, self.phase, self.location, self.context)


@dataclass(frozen=True, slots=True)
class SignedValue:
    """A signed meter reading exactly as the station sent it: an OCMF (or other format) string
    from a 1.6 `SignedData` sample, or a 2.0.1 `signedMeterValue`."""

    timestamp: datetime
    format: str
    data: str
    measurand: str = ""
    context: str = ""
    signing_method: str = ""
    public_key: str | None = None

    def as_row(self, station_id: str, evse_id: int, transaction_pk: int | None) -> dict[str, Any]:
        return {
            "station_id": station_id,
            "evse_id": evse_id,
            "transaction_id": transaction_pk,
            "timestamp": self.timestamp,
            "measurand": self.measurand,
            "context": self.context,
            "format": self.format,
            "signing_method": self.signing_method,
            "public_key": self.public_key,
            "data": self.data,
        }

    @classmethod
    def from_row(cls, row: Any) -> SignedValue:
        return cls(
            timestamp=row["timestamp"],
            format=row["format"],
            data=row["data"],
            measurand=row["measurand"],
            context=row["context"],
            signing_method=row["signing_method"],
            public_key=row["public_key"],
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
    id_token_type: str | None
    status: TransactionStatus
    started_at: datetime | None
    stopped_at: datetime | None
    meter_start_wh: int | None
    meter_stop_wh: int | None
    energy_wh: int | None
    stop_reason: str | None
    offline: bool
    charging_state: str | None
    energy_check: str | None
    closed_by: ClosedBy | None
    updated_at: datetime
    meter_last_wh: int | None = None
    station_tx_id: str | None = None
    roaming_partner_id: str | None = None  # the OCPI partner whose token started it

    @classmethod
    def from_row(cls, row: Any) -> Transaction:
        return cls(
            pk=row["id"],
            id=row["ocpp_id"] or str(row["id"]),
            station_id=row["station_id"],
            evse_id=row["evse_id"],
            connector_id=row["connector_id"],
            id_token=row["id_token"],
            id_token_type=row["id_token_type"],
            status=TransactionStatus(row["status"]),
            started_at=row["started_at"],
            stopped_at=row["stopped_at"],
            meter_start_wh=row["meter_start_wh"],
            meter_stop_wh=row["meter_stop_wh"],
            energy_wh=row["energy_wh"],
            stop_reason=row["stop_reason"],
            offline=bool(row["offline"]),
            charging_state=row["charging_state"],
            energy_check=row["energy_check"],
            closed_by=None if row["closed_by"] is None else ClosedBy(row["closed_by"]),
            updated_at=row["updated_at"],
            meter_last_wh=row["meter_last_wh"],
            station_tx_id=row["station_tx_id"],
            roaming_partner_id=row["ocpi_partner_id"],
        )


@dataclass(frozen=True, slots=True)
class Started:
    pk: int
    id: str
    duplicate: bool


# Contexts whose register readings may open or close a transaction's energy count.
COUNTING_CONTEXTS = frozenset({"Transaction.Begin", "Sample.Periodic", "Transaction.End", ""})


def meter_span(
    readings: Sequence[tuple[datetime, str, int]],
) -> tuple[int | None, int | None, int | None]:
    """(start, last, end) Wh from (timestamp, context, Wh) register readings, in any order.

    start is the Transaction.Begin reading, else the earliest counting one; end is the
    Transaction.End reading (None without one); last is the latest counting reading.
    """
    counting = sorted((r for r in readings if r[1] in COUNTING_CONTEXTS), key=lambda r: r[0])
    if not counting:
        return None, None, None
    begin = [r for r in counting if r[1] == "Transaction.Begin"]
    end = [r for r in counting if r[1] == "Transaction.End"]
    start = (begin or counting)[0][2]
    return start, counting[-1][2], end[-1][2] if end else None


@dataclass(frozen=True, slots=True)
class TransactionEvent:
    """One step a station reports in a transaction's life (OCPP 2.0.1 TransactionEvent).

    `kind` is Started, Updated or Ended; `seq_no` numbers the station's messages so resends and
    reordering can be told apart.
    """

    kind: str
    ocpp_id: str
    seq_no: int
    timestamp: datetime
    trigger_reason: str
    offline: bool = False
    evse_id: int | None = None
    connector_id: int | None = None
    id_token: str | None = None
    id_token_type: str | None = None
    charging_state: str | None = None
    stopped_reason: str | None = None
    remote_start_id: int | None = None
    reservation_id: int | None = None
    samples: tuple[Sample, ...] = ()
    signed: tuple[SignedValue, ...] = ()


@dataclass(frozen=True, slots=True)
class EventOutcome:
    """What applying one TransactionEvent did."""

    pk: int
    duplicate: bool
    created: bool = False
    ended: bool = False
