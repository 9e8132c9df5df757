"""A station's EVSEs and connectors: standard, socket or cable, maximum power."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from steppe.api.deps import Context, Operator, Viewer
from steppe.api.schemas.operator import ConnectorDetail, ConnectorsIn, ConnectorsOut
from steppe.domain.stations.connectors import ConnectorLayout

router = APIRouter(prefix="/api/v1/stations/{station_id}/connectors", tags=["stations"])
StationPath = Annotated[str, Path(max_length=48)]


def _layout(context: Context) -> ConnectorLayout:
    return context.services.connectors


@router.get("", response_model=ConnectorsOut, summary="Read a station's connectors")
async def get_connectors(station_id: StationPath, context: Context, _: Viewer) -> ConnectorsOut:
    found = await _layout(context).get(station_id)
    return ConnectorsOut(station_id=station_id, connectors=[ConnectorDetail.of(c) for c in found])


@router.put("", response_model=ConnectorsOut, summary="Declare a station's connectors")
async def put_connectors(
    station_id: StationPath, body: ConnectorsIn, context: Context, _: Operator
) -> ConnectorsOut:
    specs = [item.spec() for item in body.connectors]
    found = await _layout(context).replace(station_id, specs)
    return ConnectorsOut(station_id=station_id, connectors=[ConnectorDetail.of(c) for c in found])
