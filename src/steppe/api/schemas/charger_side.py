"""What OCPP 2.1 stations work out and report themselves: their cost beside the CDR."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from steppe.domain.payments.costs import CostCheck


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
