"""The dashboard: the network at a glance, and the map of stations coloured by state."""

from __future__ import annotations

import orjson
from fastapi import Request
from starlette.responses import Response

from steppe.web.console.visitors import Staff, console_router, render, web

router = console_router()
CONNECTOR_ORDER = (
    "Available",
    "Preparing",
    "Charging",
    "Occupied",
    "SuspendedEV",
    "SuspendedEVSE",
    "Finishing",
    "Reserved",
    "Unavailable",
    "Faulted",
    "Unknown",
)


@router.get("/")
async def dashboard(request: Request, who: Staff) -> Response:
    context = web(request)
    settings = context.settings
    overview = await context.services.reports.overview(
        context.presence.connected_ids(), settings.console_time_zone
    )
    connectors = sorted(
        overview.connectors.items(),
        key=lambda item: (
            CONNECTOR_ORDER.index(item[0]) if item[0] in CONNECTOR_ORDER else 99,
            item[0],
        ),
    )
    most_energy = max((day.energy_wh for day in overview.days), default=0) or 1
    return render(
        request,
        who,
        "console/dashboard.html",
        section="dashboard",
        title=who._("Dashboard"),
        overview=overview,
        connectors=connectors,
        most_energy=most_energy,
        time_zone=settings.console_time_zone,
        tile_url=settings.console_tile_url,
        tile_attribution=settings.console_tile_attribution,
    )


@router.get("/map.json")
async def map_points(request: Request, who: Staff, station_id: str | None = None) -> Response:
    """Every located station with its state, for the map (the page loads it after itself)."""
    context = web(request)
    points = await context.services.reports.map_points(context.presence.connected_ids())
    if station_id is not None:
        points = [point for point in points if point.station_id == station_id]
    # Compact rows: [id, name, city, latitude, longitude, state] (10,000 stations are ~600 KB).
    body = [list(point) for point in points]
    return Response(
        orjson.dumps(body), media_type="application/json", headers={"Cache-Control": "no-store"}
    )
