"""What OCPP 2.1 stations work out and report themselves: the cost they calculated beside
Steppe's CDR, payments settled at their terminals, the notices kept for them (DER control,
battery swaps, priority charging, dynamic schedules) and their periodic event streams."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from steppe.api.deps import Context, Viewer
from steppe.api.errors import ApiError
from steppe.api.schemas.charger_side import (
    EventStreamList,
    EventStreamOut,
    NoticeOut,
    NoticePage,
    SettlementOut,
    SettlementPage,
    StationCostOut,
    StationCostPage,
)

router = APIRouter(tags=["ocpp 2.1"])
TransactionPath = Annotated[str, Path(max_length=36)]
StationQuery = Annotated[str | None, Query(max_length=48)]
StationPath = Annotated[str, Path(max_length=48)]
Limit = Annotated[int, Query(ge=1, le=500)]


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
    limit: Limit = 100,
) -> StationCostPage:
    checks = await context.services.charger_costs.list(
        verdict=verdict, station_id=station_id, limit=limit
    )
    return StationCostPage(items=[StationCostOut.of(c) for c in checks])


@router.get(
    "/api/v1/transactions/{transaction_id}/settlements",
    response_model=SettlementPage,
    summary="Payments a 2.1 station's terminal settled for a transaction",
)
async def transaction_settlements(
    transaction_id: TransactionPath, context: Context, _: Viewer, station_id: StationQuery = None
) -> SettlementPage:
    services = context.services
    tx = await services.transactions.get(transaction_id, station_id=station_id)
    found = await services.settlements.of_transaction(tx.pk)
    return SettlementPage(items=[SettlementOut.of(s) for s in found])


@router.get(
    "/api/v1/cdrs/{cdr_id}/settlements",
    response_model=SettlementPage,
    summary="Payments settled at the station for the CDR's transaction",
)
async def cdr_settlements(
    cdr_id: Annotated[str, Path(max_length=36)], context: Context, _: Viewer
) -> SettlementPage:
    cdr = await context.services.cdrs.get(cdr_id)
    found = await context.services.settlements.of_transaction(cdr.transaction_pk)
    return SettlementPage(items=[SettlementOut.of(s) for s in found])


@router.get(
    "/api/v1/stations/{station_id}/settlements",
    response_model=SettlementPage,
    summary="Payments settled at a station's terminal, newest first",
)
async def station_settlements(
    station_id: StationPath, context: Context, _: Viewer, limit: Limit = 100
) -> SettlementPage:
    await context.services.stations.get(station_id)
    found = await context.services.settlements.of_station(station_id, limit=limit)
    return SettlementPage(items=[SettlementOut.of(s) for s in found])


@router.get(
    "/api/v1/stations/{station_id}/notices",
    response_model=NoticePage,
    summary="2.1 messages kept for a station (DER, battery swaps, priority charging, ...)",
    description=(
        "Newest first. `kind` is the action received (NotifyDERAlarm, BatterySwap, ...) or the "
        "command sent (set-der-control, update-dynamic-schedule, ...). Kept, not acted on yet."
    ),
)
async def station_notices(
    station_id: StationPath,
    context: Context,
    _: Viewer,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    limit: Limit = 100,
) -> NoticePage:
    await context.services.stations.get(station_id)
    found = await context.services.notices.list(station_id, kind=kind, limit=limit)
    return NoticePage(items=[NoticeOut.of(n) for n in found])


@router.get(
    "/api/v1/stations/{station_id}/event-streams",
    response_model=EventStreamList,
    summary="Periodic event streams a 2.1 station opened, with the data points received",
)
async def event_streams(station_id: StationPath, context: Context, _: Viewer) -> EventStreamList:
    await context.services.stations.get(station_id)
    found = await context.services.notices.streams(station_id)
    return EventStreamList(
        items=[EventStreamOut.model_validate(s, from_attributes=True) for s in found]
    )
