"""Sites under load management: describe one (limits, circuits, stations, wiring), read its
allocation and measured load, remove it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from steppe.api.deps import Context, Operator, Viewer
from steppe.domain.smart_charging.specs import SiteSpec

router = APIRouter(prefix="/api/v1/sites", tags=["sites"])
SitePath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]


@router.put(
    "/{site_id}",
    summary="Create or replace a site; its capacity is allocated at once",
    responses={
        201: {"description": "created"},
        409: {"description": "a station is on another site"},
        422: {"description": "a bad description (a station twice, a bad tree)"},
    },
)
async def put_site(
    site_id: SitePath, body: SiteSpec, context: Context, _: Operator, response: Response
) -> dict[str, Any]:
    sites = context.services.sites
    if await sites.put(site_id, body):
        response.status_code = 201
    return await sites.view(site_id)


@router.get(
    "/{site_id}",
    summary="A site's limits, each EVSE's allocation and the measured load per grid phase",
)
async def get_site(site_id: SitePath, context: Context, _: Viewer) -> dict[str, Any]:
    return await context.services.sites.view(site_id)


@router.delete("/{site_id}", status_code=204, summary="Stop managing a site's load")
async def delete_site(site_id: SitePath, context: Context, _: Operator) -> Response:
    await context.services.sites.remove(site_id)
    return Response(status_code=204)
