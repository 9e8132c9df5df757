"""Charge detail record bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from steppe.domain.cdrs.models import Cdr


class CostOut(BaseModel):
    currency: str
    excl_vat: str
    incl_vat: str


class CdrOut(BaseModel):
    id: str
    transaction_id: str
    station_id: str
    evse_id: int | None
    id_token: str | None
    tariff_id: str | None
    start_date_time: datetime
    end_date_time: datetime
    total_energy_wh: int | None
    total_cost: CostOut
    created_at: datetime

    @classmethod
    def of(cls, cdr: Cdr) -> CdrOut:
        return cls(
            id=cdr.id,
            transaction_id=str(cdr.body.get("transaction_id")),
            station_id=cdr.station_id,
            evse_id=cdr.body.get("evse_id"),
            id_token=cdr.body.get("id_token"),
            tariff_id=cdr.tariff_id,
            start_date_time=cdr.started_at,
            end_date_time=cdr.stopped_at,
            total_energy_wh=cdr.body.get("total_energy_wh"),
            total_cost=CostOut(**cdr.cost.as_dict()),
            created_at=cdr.created_at,
        )


class CdrDetail(CdrOut):
    """With the priced periods, totals per dimension and the tariff as it was applied."""

    costing: dict[str, Any]
    tariff: dict[str, Any]
    signed_data: dict[str, Any] | None = Field(
        None, description="signed meter readings as received (OCPI `signed_data` shape)"
    )

    @classmethod
    def of_full(cls, cdr: Cdr) -> CdrDetail:
        return cls(
            **CdrOut.of(cdr).model_dump(),
            costing=cdr.body.get("costing", {}),
            tariff=cdr.body.get("tariff", {}),
            signed_data=cdr.body.get("signed_data"),
        )


class CdrPage(BaseModel):
    items: list[CdrOut]
    next: str | None


class CdrRequest(BaseModel):
    transaction_id: str
    station_id: str | None = None
