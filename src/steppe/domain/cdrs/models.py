"""A charge detail record as the rest of Steppe sees it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class Cost:
    currency: str
    excl_vat: Decimal
    incl_vat: Decimal

    def as_dict(self) -> dict[str, str]:
        return {
            "currency": self.currency,
            "excl_vat": str(self.excl_vat),
            "incl_vat": str(self.incl_vat),
        }


@dataclass(frozen=True, slots=True)
class Cdr:
    """Totals are rounded to the currency's minor unit; `body` holds periods and the tariff."""

    id: str
    transaction_pk: int
    station_id: str
    tariff_id: str | None
    started_at: datetime
    stopped_at: datetime
    cost: Cost
    body: dict[str, Any]
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Cdr:
        return cls(
            id=row["id"],
            transaction_pk=int(row["transaction_pk"]),
            station_id=row["station_id"],
            tariff_id=row["tariff_id"],
            started_at=row["started_at"],
            stopped_at=row["stopped_at"],
            cost=Cost(
                row["currency"], Decimal(row["total_excl_vat"]), Decimal(row["total_incl_vat"])
            ),
            body=json.loads(row["body"]),
            created_at=row["created_at"],
        )
