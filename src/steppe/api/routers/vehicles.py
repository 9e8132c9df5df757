"""The vehicle catalogue and which of a station's connectors a car can use. Public: no key."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Query

from steppe.api.deps import Context
from steppe.api.errors import ApiError
from steppe.api.schemas.vehicles import Compatibility, VehicleList, VehicleOut

router = APIRouter(prefix="/api/v1", tags=["vehicles"])
VehicleId = Annotated[str, Path(max_length=80)]
StationPath = Annotated[str, Path(max_length=48)]
Percent = Annotated[Decimal, Query(ge=0, le=100)]


@router.get("/vehicles", response_model=VehicleList, summary="The vehicle catalogue (public)")
async def list_vehicles(
    context: Context,
    make: Annotated[str | None, Query(max_length=40)] = None,
    variant: Annotated[str | None, Query(max_length=10, examples=["CN"])] = None,
) -> VehicleList:
    rows = context.services.vehicles.catalogue.all()
    if make:
        rows = tuple(row for row in rows if row.make.casefold() == make.casefold())
    if variant:
        rows = tuple(row for row in rows if row.variant == variant.upper())
    return VehicleList(items=[VehicleOut.of(row) for row in rows])


@router.get(
    "/vehicles/{vehicle_id}", response_model=VehicleOut, summary="One catalogue row (public)"
)
async def get_vehicle(vehicle_id: VehicleId, context: Context) -> VehicleOut:
    return VehicleOut.of(context.services.vehicles.catalogue.get(vehicle_id))


@router.get(
    "/stations/{station_id}/compatibility",
    response_model=Compatibility,
    summary="Which connectors a car can use here, at what power, how long and how much (public)",
)
async def compatibility(
    station_id: StationPath,
    context: Context,
    vehicle_id: Annotated[str, Query(max_length=80, examples=["leapmotor-c10-cn-2024"])],
    start_soc: Percent = Decimal(20),
    end_soc: Percent = Decimal(80),
) -> Compatibility:
    if start_soc >= end_soc:
        raise ApiError(422, "invalid_input", "end_soc must be above start_soc")
    advice = await context.services.vehicles.station(
        station_id, vehicle_id, start_soc=start_soc, end_soc=end_soc
    )
    return Compatibility.of(advice, start_soc, end_soc)
