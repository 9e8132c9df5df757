"""Tariffs: create, read, version, delete; assign to stations and EVSEs; estimate a session."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from steppe.api.deps import Context, Operator, Viewer
from steppe.api.errors import ApiError
from steppe.api.schemas.tariffs import (
    AssignmentOut,
    Estimate,
    EstimateRequest,
    StationTariffBody,
    StationTariffOut,
    TariffBody,
    TariffId,
    TariffOut,
    TariffPage,
    TariffUpdate,
)
from steppe.api.schemas.values import MAX_INT32, Moment
from steppe.domain.tariffs.models import Tariff
from steppe.domain.tariffs.service import TariffService

router = APIRouter(prefix="/api/v1", tags=["tariffs"])
TariffPath = Annotated[str, Path(max_length=36)]
StationPath = Annotated[str, Path(max_length=48)]


def _service(context: Context) -> TariffService:
    return context.services.tariffs


def _out(tariff: Tariff) -> TariffOut:
    return TariffOut.of(tariff.as_dict())


@router.post("/tariffs", status_code=201, response_model=TariffOut, summary="Create a tariff")
async def create_tariff(body: TariffBody, context: Context, _: Operator) -> TariffOut:
    tariff = Tariff.from_dict(body.as_domain())
    return _out(await _service(context).create(tariff))


@router.get("/tariffs", response_model=TariffPage, summary="List tariffs by id")
async def list_tariffs(
    context: Context,
    _: Viewer,
    after: Annotated[TariffId | None, Query(description="cursor: the last id seen")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> TariffPage:
    tariffs = await _service(context).list(after=after, limit=limit)
    return TariffPage(
        items=[_out(t) for t in tariffs], next=tariffs[-1].id if len(tariffs) == limit else None
    )


@router.get("/tariffs/{tariff_id}", response_model=TariffOut, summary="Read one tariff")
async def get_tariff(tariff_id: TariffPath, context: Context, _: Viewer) -> TariffOut:
    return _out(await _service(context).get(tariff_id))


@router.put("/tariffs/{tariff_id}", response_model=TariffOut, summary="Replace a tariff")
async def replace_tariff(
    tariff_id: TariffPath, body: TariffUpdate, context: Context, _: Operator
) -> TariffOut:
    if body.id is not None and body.id != tariff_id:
        raise ApiError(422, "invalid_request", "id: differs from the tariff id in the path")
    data = body.as_domain()
    data["id"] = tariff_id
    return _out(await _service(context).replace(Tariff.from_dict(data)))


@router.delete("/tariffs/{tariff_id}", status_code=204, summary="Delete an unassigned tariff")
async def delete_tariff(tariff_id: TariffPath, context: Context, _: Operator) -> Response:
    await _service(context).delete(tariff_id)
    return Response(status_code=204)


@router.post(
    "/tariffs/{tariff_id}/estimate",
    response_model=Estimate,
    summary="Price a session before it starts",
)
async def estimate(
    tariff_id: TariffPath, body: EstimateRequest, context: Context, _: Viewer
) -> Estimate:
    service = _service(context)
    time_zone, country = body.time_zone, body.country
    if body.station_id is not None:
        place = await service.place(body.station_id)
        time_zone = time_zone or place.time_zone
        country = country or place.country
    costing = await service.estimate(
        tariff_id,
        energy_kwh=body.energy_kwh,
        duration_minutes=body.duration_minutes,
        parking_minutes=body.parking_minutes,
        start=body.start,
        country=country,
        time_zone=time_zone or "UTC",
    )
    return Estimate.of(costing.as_dict())


@router.put(
    "/stations/{station_id}/tariff",
    response_model=AssignmentOut,
    summary="Assign tariffs to a station or one of its EVSEs",
)
async def assign_tariff(
    station_id: StationPath, body: StationTariffBody, context: Context, _: Operator
) -> AssignmentOut:
    assignment = await _service(context).assign(station_id, body.ids(), evse_id=body.evse_id)
    return AssignmentOut.of(assignment)


@router.get(
    "/stations/{station_id}/tariff",
    response_model=StationTariffOut,
    summary="The tariff a session on this station (or EVSE) gets",
)
async def station_tariff(
    station_id: StationPath,
    context: Context,
    _: Viewer,
    evse_id: Annotated[int | None, Query(ge=1, le=MAX_INT32)] = None,
    at: Annotated[Moment | None, Query(description="default: now")] = None,
) -> StationTariffOut:
    service = _service(context)
    moment: datetime = at or context.services.clock.now()
    tariff = await service.resolve(station_id, evse_id, moment)
    assignments = await service.assignments(station_id)
    return StationTariffOut(
        station_id=station_id,
        evse_id=evse_id,
        at=moment,
        tariff=_out(tariff) if tariff else None,
        assignments=[AssignmentOut.of(a) for a in assignments],
    )
