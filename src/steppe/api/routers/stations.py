"""Stations: register, read, change, remove; accept pending ones; set passwords."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from steppe.api.deps import Admin, Context, Operator, Principal, Role, Viewer
from steppe.api.errors import ApiError
from steppe.api.schemas.stations import (
    Imported,
    PasswordChange,
    StationCreate,
    StationId,
    StationImport,
    StationOut,
    StationPage,
    StationUpdate,
)
from steppe.domain.stations.models import Station

router = APIRouter(prefix="/api/v1/stations", tags=["stations"])
StationPath = Annotated[str, Path(max_length=48)]


def _out(context: Context, station: Station) -> StationOut:
    commands = context.connections
    return StationOut.of(
        station,
        connected=commands.is_connected(station.id),
        live_version=commands.version_of(station.id),
    )


def _security_fields_need_admin(who: Principal, fields: set[str]) -> None:
    if who.role < Role.ADMIN and fields & {"password", "security_profile"}:
        raise ApiError(
            403, "forbidden", "a station's password and security profile need the admin role"
        )


@router.post(
    "",
    status_code=201,
    response_model=StationOut,
    summary="Register a station",
    description="Operators may register stations; giving a password or a security profile "
    "needs the admin role.",
)
async def create_station(body: StationCreate, context: Context, who: Operator) -> StationOut:
    _security_fields_need_admin(who, body.model_fields_set)
    fields = body.location.as_fields() if body.location else {}
    station = await context.services.stations.create(
        body.id, body.password, security_profile=body.security_profile, **fields
    )
    return _out(context, station)


@router.post(
    "/import", status_code=201, response_model=Imported, summary="Register many stations at once"
)
async def import_stations(body: StationImport, context: Context, _: Admin) -> Imported:
    count = await context.services.stations.import_many(
        [(item.id, item.password) for item in body.stations]
    )
    return Imported(imported=count)


@router.get("", response_model=StationPage, summary="List stations")
async def list_stations(
    context: Context,
    _: Viewer,
    after: Annotated[StationId | None, Query(description="cursor: the last id seen")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    registration: Annotated[str | None, Query(pattern="^(accepted|pending|rejected)$")] = None,
    country: Annotated[str | None, Query(pattern="^[A-Z]{2}$")] = None,
    connected: bool | None = None,
) -> StationPage:
    filters = {
        key: value
        for key, value in (("registration", registration), ("country", country))
        if value is not None
    }
    stations = await context.services.stations.list(after=after, limit=limit, filters=filters)
    items = [_out(context, s) for s in stations]
    if connected is not None:
        items = [item for item in items if item.connected is connected]
    return StationPage(items=items, next=stations[-1].id if len(stations) == limit else None)


@router.get("/{station_id}", response_model=StationOut, summary="Read one station")
async def get_station(station_id: StationPath, context: Context, _: Viewer) -> StationOut:
    return _out(context, await context.services.stations.get(station_id))


@router.patch(
    "/{station_id}",
    response_model=StationOut,
    summary="Change a station",
    description="Changing the security profile needs the admin role.",
)
async def update_station(
    station_id: StationPath, body: StationUpdate, context: Context, who: Operator
) -> StationOut:
    _security_fields_need_admin(who, body.model_fields_set)
    station = await context.services.stations.update(station_id, body.changes())
    return _out(context, station)


@router.delete("/{station_id}", status_code=204, summary="Remove a station")
async def delete_station(station_id: StationPath, context: Context, _: Admin) -> Response:
    await context.services.stations.delete(station_id)
    return Response(status_code=204)


@router.post(
    "/{station_id}/accept",
    response_model=StationOut,
    summary="Accept a pending station; a connected one is asked to boot again at once",
)
async def accept_station(station_id: StationPath, context: Context, who: Operator) -> StationOut:
    return _out(context, await context.services.commands.accept(who.actor, station_id))


@router.put("/{station_id}/password", status_code=204, summary="Set a station's password")
async def set_password(
    station_id: StationPath, body: PasswordChange, context: Context, _: Admin
) -> Response:
    await context.services.stations.set_password(station_id, body.password)
    return Response(status_code=204)
