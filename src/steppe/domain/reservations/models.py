"""Reservations as Steppe keeps them, whatever OCPP version carried them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class ReservationStatus(StrEnum):
    REQUESTED = "requested"  # ReserveNow sent, no answer yet
    ACTIVE = "active"  # the station accepted it
    REJECTED = "rejected"  # the station answered Occupied, Faulted, Unavailable or Rejected
    FAILED = "failed"  # no answer (timeout, gone)
    USED = "used"  # the reserved token started a transaction
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REMOVED = "removed"  # 2.0.1: the station removed it (ReservationStatusUpdate Removed)


OPEN = frozenset({ReservationStatus.REQUESTED, ReservationStatus.ACTIVE})


@dataclass(frozen=True, slots=True)
class Reservation:
    id: int
    station_id: str
    evse_id: int | None
    id_token: str
    id_token_type: str | None
    group_id_token: str | None
    expires_at: datetime
    status: ReservationStatus
    station_status: str | None
    transaction_pk: int | None
    created_at: datetime
    updated_at: datetime
    ended_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> Reservation:
        values = {name: row[name] for name in cls.__dataclass_fields__}
        values["status"] = ReservationStatus(row["status"])
        return cls(**values)
