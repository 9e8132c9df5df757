"""What OCPP 2.1 stations work out and report themselves: their cost beside the CDR, payments
settled at their terminals, notices and periodic event streams."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from steppe.domain.payments.costs import CostCheck
from steppe.domain.payments.settlements import Settlement
from steppe.domain.station_notices.service import Notice


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class StationCostOut(BaseModel):
    transaction_id: str
    station_id: str
    currency: str
    excl_tax: str | None = Field(description="the station's total excl. tax, as it sent it")
    incl_tax: str | None
    reported_at: datetime
    verdict: Literal["pending", "match", "differs"] = Field(
        description="pending: no CDR yet; match: within one minor unit of the CDR; differs"
    )
    cdr_id: str | None
    difference: str | None = Field(description="station minus CDR (excl. tax when given)")
    details: dict[str, Any] = Field(description="the station's costDetails as received")

    @classmethod
    def of(cls, check: CostCheck) -> StationCostOut:
        return cls(
            transaction_id=check.transaction_id,
            station_id=check.station_id,
            currency=check.currency,
            excl_tax=_text(check.excl_tax),
            incl_tax=_text(check.incl_tax),
            reported_at=check.reported_at,
            verdict=check.verdict,
            cdr_id=check.cdr_id,
            difference=_text(check.difference),
            details=check.details,
        )


class StationCostPage(BaseModel):
    items: list[StationCostOut]


class SettlementOut(BaseModel):
    id: int
    station_id: str
    transaction_id: str | None
    psp_ref: str
    status: str = Field(examples=["Settled", "Canceled", "Rejected", "Failed"])
    amount: str
    settled_at: datetime
    receipt_id: str | None
    receipt_url: str | None
    vat_number: str | None
    received_at: datetime

    @classmethod
    def of(cls, s: Settlement) -> SettlementOut:
        return cls(
            id=s.id,
            station_id=s.station_id,
            transaction_id=s.transaction_id,
            psp_ref=s.psp_ref,
            status=s.status,
            amount=str(s.amount),
            settled_at=s.settled_at,
            receipt_id=s.receipt_id,
            receipt_url=s.receipt_url,
            vat_number=s.vat_number,
            received_at=s.received_at,
        )


class SettlementPage(BaseModel):
    items: list[SettlementOut]


class NoticeOut(BaseModel):
    id: int
    kind: str = Field(description="the action received, or the command sent")
    direction: Literal["in", "out"]
    ref: str | None = Field(description="what it is about: a control, request, profile, ...")
    evse_id: int | None
    transaction_id: str | None
    body: dict[str, Any]
    at: datetime

    @classmethod
    def of(cls, n: Notice) -> NoticeOut:
        return cls(
            id=n.id,
            kind=n.kind,
            direction=n.direction,
            ref=n.ref,
            evse_id=n.evse_id,
            transaction_id=n.transaction_id,
            body=n.body,
            at=n.at,
        )


class NoticePage(BaseModel):
    items: list[NoticeOut]


class EventStreamOut(BaseModel):
    stream_id: int
    variable_monitoring_id: int
    interval_s: int | None
    max_values: int | None
    status: Literal["open", "closed"]
    opened_at: datetime
    closed_at: datetime | None
    data_points: int
    last_data_at: datetime | None


class EventStreamList(BaseModel):
    items: list[EventStreamOut]
