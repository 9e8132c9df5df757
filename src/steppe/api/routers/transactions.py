"""Transactions: list with filters and a cursor, read one with its meter samples."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from steppe.api.deps import Context, Viewer
from steppe.api.schemas.cdrs import CostOut
from steppe.api.schemas.transactions import (
    PricingOut,
    SampleOut,
    SignedValueOut,
    TransactionDetail,
    TransactionOut,
    TransactionPage,
)
from steppe.api.schemas.values import Moment, cursor_value
from steppe.types import TransactionStatus

router = APIRouter(prefix="/api/v1/transactions", tags=["transactions"])


@router.get("", response_model=TransactionPage, summary="List transactions, newest first")
async def list_transactions(
    context: Context,
    _: Viewer,
    station_id: Annotated[str | None, Query(max_length=48)] = None,
    id_token: Annotated[str | None, Query(max_length=36)] = None,
    status: TransactionStatus | None = None,
    started_from: Annotated[Moment | None, Query(description="inclusive")] = None,
    started_to: Annotated[Moment | None, Query(description="exclusive")] = None,
    cursor: Annotated[
        str | None, Query(max_length=24, description="`next` of the last page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> TransactionPage:
    before = cursor_value(cursor)
    txs = await context.services.transactions.list(
        station_id=station_id,
        id_token=id_token,
        status=status,
        started_from=started_from,
        started_to=started_to,
        before_pk=before,
        limit=limit,
    )
    versions = await context.services.stations.versions([tx.station_id for tx in txs])
    items = [TransactionOut.of(tx, versions.get(tx.station_id)) for tx in txs]
    await _add_costs(context, items, [tx.pk for tx in txs])
    return TransactionPage(items=items, next=str(txs[-1].pk) if len(txs) == limit else None)


async def _add_costs(context: Context, items: list[TransactionOut], pks: list[int]) -> None:
    costs = await context.services.cdrs.costs(pks)
    states = await context.services.pricing.states(pks)
    for item, pk in zip(items, pks, strict=True):
        if pk in costs:
            item.cost = CostOut(**costs[pk].as_dict())
        state = states.get(pk)
        if state is not None:
            item.pricing = PricingOut(
                status="failed" if state.status == "failed" else "queued",
                attempts=state.attempts,
                last_error=state.last_error,
                next_attempt_at=state.due_at,
            )


@router.get("/{transaction_id}", response_model=TransactionDetail, summary="One transaction")
async def get_transaction(
    transaction_id: Annotated[str, Path(max_length=36)],
    context: Context,
    _: Viewer,
    station_id: Annotated[str | None, Query(max_length=48)] = None,
) -> TransactionDetail:
    tx = await context.services.transactions.get(transaction_id, station_id=station_id)
    samples = await context.services.transactions.samples(tx.pk)
    signed = await context.services.transactions.signed_values(tx.pk)
    versions = await context.services.stations.versions([tx.station_id])
    out = TransactionOut.of(tx, versions.get(tx.station_id))
    await _add_costs(context, [out], [tx.pk])
    return TransactionDetail(
        **out.model_dump(),
        meter_values=[SampleOut.of(s) for s in samples],
        signed_meter_values=[SignedValueOut.of(v) for v in signed],
    )
