"""A station's device model, as the station last reported it (OCPP 2.0.1 NotifyReport)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from steppe.api.deps import Context, Viewer
from steppe.api.schemas.device_model import DeviceModelPage, DeviceVariableOut
from steppe.api.schemas.values import cursor_value

router = APIRouter(prefix="/api/v1/stations", tags=["device model"])


@router.get(
    "/{station_id}/device-model",
    response_model=DeviceModelPage,
    summary="Components and variables a station reported, in the order first reported",
)
async def device_model(
    station_id: Annotated[str, Path(max_length=48)],
    context: Context,
    _: Viewer,
    component: Annotated[str | None, Query(max_length=50)] = None,
    variable: Annotated[str | None, Query(max_length=50)] = None,
    cursor: Annotated[
        str | None, Query(max_length=24, description="`next` of the last page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> DeviceModelPage:
    service = context.services.device_model
    after = cursor_value(cursor)
    await context.services.stations.get(station_id)  # 404 for an unknown station
    rows = await service.list(
        station_id, component=component, variable=variable, after=after, limit=limit
    )
    return DeviceModelPage(
        items=[DeviceVariableOut.of(v) for v in rows],
        next=str(rows[-1].id) if len(rows) == limit else None,
    )
