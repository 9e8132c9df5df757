"""What Steppe keeps of what stations hold and report: charging profiles and limits, display
messages, variable monitors, device events, customer information, vendor data transfers."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from steppe.api.deps import Context, Viewer
from steppe.domain.charging_profiles.service import ChargingReport

router = APIRouter(prefix="/api/v1/stations", tags=["station reports"])
StationPath = Annotated[str, Path(max_length=48)]
Limit = Annotated[int, Query(ge=1, le=500)]


async def _known(context: Context, station_id: str) -> None:
    await context.services.stations.get(station_id)  # NotFound for an unknown station


@router.get(
    "/{station_id}/charging-profiles",
    summary="Charging profiles the station holds: set through Steppe (csms) or reported",
)
async def charging_profiles(
    station_id: StationPath, context: Context, _: Viewer
) -> list[dict[str, Any]]:
    await _known(context, station_id)
    return [asdict(p) for p in await context.services.charging_profiles.profiles(station_id)]


@router.get(
    "/{station_id}/charging-reports",
    summary="Charging limits and EV needs and schedules the station reported, newest first",
)
async def charging_reports(
    station_id: StationPath,
    context: Context,
    _: Viewer,
    kind: ChargingReport | None = None,
    limit: Limit = 100,
) -> list[dict[str, Any]]:
    await _known(context, station_id)
    reports = await context.services.charging_profiles.reports(station_id, kind=kind, limit=limit)
    return [asdict(r) for r in reports]


@router.get("/{station_id}/display-messages", summary="Messages on the station's display")
async def display_messages(
    station_id: StationPath, context: Context, _: Viewer
) -> list[dict[str, Any]]:
    await _known(context, station_id)
    return [asdict(m) for m in await context.services.display_messages.list(station_id)]


@router.get(
    "/{station_id}/monitoring",
    summary="The station's variable monitors, monitoring base and level",
)
async def monitoring(station_id: StationPath, context: Context, _: Viewer) -> dict[str, Any]:
    await _known(context, station_id)
    service = context.services.monitoring
    monitors = [asdict(m) for m in await service.monitors(station_id)]
    return {**await service.settings(station_id), "monitors": monitors}


@router.get(
    "/{station_id}/device-events",
    summary="Events the station reported (2.0.1 NotifyEvent), newest first",
)
async def device_events(
    station_id: StationPath, context: Context, _: Viewer, limit: Limit = 100
) -> list[dict[str, Any]]:
    await _known(context, station_id)
    return [asdict(e) for e in await context.services.monitoring.events(station_id, limit=limit)]


@router.get(
    "/{station_id}/customer-information",
    summary="Customer information the station reported (NotifyCustomerInformation)",
)
async def customer_information(
    station_id: StationPath,
    context: Context,
    _: Viewer,
    request_id: Annotated[int | None, Query()] = None,
) -> list[dict[str, Any]]:
    await _known(context, station_id)
    parts = await context.services.customer_information.of_request(station_id, request_id)
    return [asdict(p) for p in parts]


@router.get(
    "/{station_id}/data-transfers",
    summary="DataTransfer messages the station sent, with Steppe's answer, newest first",
)
async def data_transfers(
    station_id: StationPath, context: Context, _: Viewer, limit: Limit = 100
) -> list[dict[str, Any]]:
    await _known(context, station_id)
    return [asdict(d) for d in await context.services.data_transfers.list(station_id, limit=limit)]
