"""What OCPP 2.1 stations work out and report themselves: the cost they calculated beside
Steppe's CDR."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from steppe.api.deps import Context, Viewer
from steppe.api.errors import ApiError
from steppe.api.schemas.charger_side import StationCostOut, StationCostPage

router = APIRouter(tags=["ocpp 2.1"])
TransactionPath = Annotated[str, Path(max_length=36)]
StationQuery = Annotated[str | None, Query(max_length=48)]


@router.get(
    "/api/v1/transactions/{transaction_id}/station-cost",
    response_model=StationCostOut,
    summary="The cost a 2.1 station calculated for a transaction, compared with the CDR",
)
async def station_cost(
    transaction_id: TransactionPath, context: Context, _: Viewer, station_id: StationQuery = None
) -> StationCostOut:
    services = context.services
    tx = await services.transactions.get(transaction_id, station_id=station_id)
    check = await services.charger_costs.of_transaction(tx.pk)
    if check is None:
        raise ApiError(404, "not_found", "the station reported no cost for this transaction")
    return StationCostOut.of(check)


@router.get(
    "/api/v1/station-costs",
    response_model=StationCostPage,
    summary="Stations' own costs, newest transactions first; verdict=differs lists the flagged",
)
async def station_costs(
    context: Context,
    _: Viewer,
    verdict: Literal["pending", "match", "differs"] | None = None,
    station_id: StationQuery = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> StationCostPage:
    checks = await context.services.charger_costs.list(
        verdict=verdict, station_id=station_id, limit=limit
    )
    return StationCostPage(items=[StationCostOut.of(c) for c in checks])
