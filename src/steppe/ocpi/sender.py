"""The modules we send: locations, tariffs, sessions and CDRs, pulled page by page.

Sessions and CDRs are only ever the calling partner's own.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from steppe.domain.cdrs.models import Cost
from steppe.domain.roaming import ids
from steppe.domain.roaming.catalogue import RoamingSession, Site, Window
from steppe.domain.roaming.models import OCPI_VERSION
from steppe.domain.services import Services
from steppe.domain.transactions.models import energy_register_wh
from steppe.ocpi import mapping
from steppe.ocpi.context import Context, Registered
from steppe.ocpi.envelope import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    OcpiError,
    OcpiStatus,
    answer,
    page_headers,
    parse_int,
    parse_time,
)
from steppe.types import TransactionStatus

router = APIRouter(prefix=f"/{OCPI_VERSION}")
DEFAULT_CURRENCY = "KZT"


def window(request: Request) -> Window:
    q = request.query_params
    limit = min(parse_int(q.get("limit"), "limit", DEFAULT_LIMIT), MAX_LIMIT)
    return Window(
        date_from=parse_time(q.get("date_from"), "date_from"),
        date_to=parse_time(q.get("date_to"), "date_to"),
        offset=parse_int(q.get("offset"), "offset", 0),
        limit=limit,
    )


@router.get("/locations")
async def locations(request: Request, context: Context, partner: Registered) -> Response:
    w = window(request)
    sites, total = await context.services.roaming.catalogue.sites(w)
    data = [mapping.location_json(site, context.party) for site in sites]
    return answer(
        request,
        data,
        headers=page_headers(
            request, context.identity.public_url(), offset=w.offset, limit=w.limit, total=total
        ),
    )


async def _site(context: Context, location_id: str) -> Site:
    site = await context.services.roaming.catalogue.site(location_id)
    if site is None or ids.location_id(site.station.id) != location_id:
        raise OcpiError(404, OcpiStatus.UNKNOWN_LOCATION, f"unknown location {location_id!r}")
    return site


@router.get("/locations/{location_id}")
async def location(
    request: Request, context: Context, partner: Registered, location_id: str
) -> Response:
    site = await _site(context, location_id)
    return answer(request, mapping.location_json(site, context.party))


@router.get("/locations/{location_id}/{evse_uid}")
async def evse(
    request: Request, context: Context, partner: Registered, location_id: str, evse_uid: str
) -> Response:
    site = await _site(context, location_id)
    found = [e for e in mapping.evses_json(site, context.party) if e["uid"] == evse_uid]
    if not found:
        raise OcpiError(404, OcpiStatus.UNKNOWN_LOCATION, f"unknown EVSE {evse_uid!r}")
    return answer(request, found[0])


@router.get("/locations/{location_id}/{evse_uid}/{connector_id}")
async def connector(
    request: Request,
    context: Context,
    partner: Registered,
    location_id: str,
    evse_uid: str,
    connector_id: str,
) -> Response:
    site = await _site(context, location_id)
    for e in mapping.evses_json(site, context.party):
        if e["uid"] == evse_uid:
            for c in e["connectors"]:
                if c["id"] == connector_id:
                    return answer(request, c)
    raise OcpiError(404, OcpiStatus.UNKNOWN_LOCATION, f"unknown connector {connector_id!r}")


@router.get("/tariffs")
async def tariffs(request: Request, context: Context, partner: Registered) -> Response:
    w = window(request)
    found, total = await context.services.roaming.catalogue.tariffs(w)
    data = [mapping.tariff_json(t, context.party) for t in found]
    return answer(
        request,
        data,
        headers=page_headers(
            request, context.identity.public_url(), offset=w.offset, limit=w.limit, total=total
        ),
    )


async def session_cost(services: Services, rs: RoamingSession) -> Cost | None:
    """The billed cost of a finished session, or the running cost of one under way."""
    tx = rs.transaction
    if tx.status is TransactionStatus.COMPLETED:
        return (await services.cdrs.costs([tx.pk])).get(tx.pk)
    running = await services.transactions.running_cost_of(tx.pk)
    if running is None:
        return None
    return Cost(running["currency"], Decimal(running["excl_vat"]), Decimal(running["incl_vat"]))


async def session_object(
    services: Services, rs: RoamingSession, party: mapping.Party
) -> dict[str, Any]:
    cost = await session_cost(services, rs)
    tx = rs.transaction
    if tx.status is TransactionStatus.ACTIVE and tx.meter_last_wh is None:
        # 1.6 keeps the latest register reading in the samples only
        readings = energy_register_wh(await services.transactions.samples(tx.pk))
        if readings:
            rs = replace(rs, transaction=replace(tx, meter_last_wh=readings[-1][1]))
    return mapping.session_json(rs, party, cost, DEFAULT_CURRENCY)


@router.get("/sessions")
async def sessions(request: Request, context: Context, partner: Registered) -> Response:
    w = window(request)
    found, total = await context.services.roaming.catalogue.sessions(partner.id, w)
    data = [await session_object(context.services, rs, context.party) for rs in found]
    return answer(
        request,
        data,
        headers=page_headers(
            request, context.identity.public_url(), offset=w.offset, limit=w.limit, total=total
        ),
    )


@router.get("/cdrs")
async def cdrs(request: Request, context: Context, partner: Registered) -> Response:
    w = window(request)
    catalogue = context.services.roaming.catalogue
    found, total = await catalogue.cdrs(partner.id, w)
    data = []
    for cdr in found:
        rs = await catalogue.session(cdr.transaction_pk)
        if rs is None:
            continue
        site = await catalogue.site(rs.transaction.station_id)
        data.append(mapping.cdr_json(cdr, rs, site, context.party))
    return answer(
        request,
        data,
        headers=page_headers(
            request, context.identity.public_url(), offset=w.offset, limit=w.limit, total=total
        ),
    )
