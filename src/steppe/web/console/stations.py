"""Stations: the searchable list, one station's page, registering and editing a station, its
connectors and its location on a map."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from starlette.responses import Response

from steppe.api.deps import Role
from steppe.domain.reports.service import STATION_STATES, StationFilter
from steppe.domain.stations.connectors import FORMATS, POWER_TYPES, STANDARDS, ConnectorSpec
from steppe.domain.stations.models import Station
from steppe.errors import AlreadyExists, InvalidInput
from steppe.types import EVSE_OCPP_VERSIONS, TransactionStatus
from steppe.web.console.forms import COUNTRY, STATION_ID, TIME_ZONES, FormCheck, values_of
from steppe.web.console.visitors import (
    Staff,
    Visitor,
    checked_form,
    console_router,
    redirect,
    render,
    require,
    web,
)
from steppe.web.context import WebContext
from steppe.web.i18n import N_

router = console_router()
PAGE = 50
LOCATION_FIELDS = ("name", "address", "city", "country", "time_zone", "latitude", "longitude")
STATE_LABELS = {
    "online": N_("Online"),
    "offline": N_("Offline"),
    "faulted": N_("Faulted"),
    "pending": N_("Waiting for acceptance"),
}
# A 2.1 station's own cost against our CDR (domain/payments/costs.py).
VERDICT_LABELS = {
    "pending": N_("no CDR yet"),
    "match": N_("matches"),
    "differs": N_("differs"),
}
CONNECTOR_STATUSES = (
    N_("Available"),
    N_("Preparing"),
    N_("Charging"),
    N_("Occupied"),
    N_("SuspendedEV"),
    N_("SuspendedEVSE"),
    N_("Finishing"),
    N_("Reserved"),
    N_("Unavailable"),
    N_("Faulted"),
    N_("Unknown"),
)


def state_of(station: Station, connected: bool) -> str:
    if station.registration.value == "pending":
        return "pending"
    if station.status == "Faulted" or any(c.status == "Faulted" for c in station.connectors):
        return "faulted"
    return "online" if connected else "offline"


def map_values(context: WebContext) -> dict[str, Any]:
    settings = context.settings
    return {
        "tile_url": settings.console_tile_url,
        "tile_attribution": settings.console_tile_attribution,
    }


@router.get("/stations")
async def station_list(
    request: Request,
    who: Staff,
    q: Annotated[str | None, Query(max_length=100)] = None,
    state: Annotated[str | None, Query(max_length=16)] = None,
    city: Annotated[str | None, Query(max_length=64)] = None,
    standard: Annotated[str | None, Query(max_length=24)] = None,
    version: Annotated[str | None, Query(max_length=8)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    context = web(request)
    where = StationFilter(
        text=q or None,
        state=state if state in STATION_STATES else None,
        city=city or None,
        standard=standard if standard in STANDARDS else None,
        ocpp_version=version if version in ("1.6", *sorted(EVSE_OCPP_VERSIONS)) else None,
    )
    connected = context.presence.connected_ids()
    page = await context.services.reports.stations(where, connected, offset=offset, limit=PAGE)
    rows = [(s, state_of(s, s.id in connected)) for s in page.stations]
    query = urlencode({k: v for k, v in asdict(where).items() if v} | ({"q": q} if q else {}))
    query = query.replace("text=", "q=").replace("ocpp_version=", "version=")
    return render(
        request,
        who,
        "console/stations.html",
        section="stations",
        title=who._("Stations"),
        where=where,
        rows=rows,
        page=page,
        query=query,
        states=STATE_LABELS,
        state_options=[(key, who._(label)) for key, label in STATE_LABELS.items()],
        city_options=[(city, city) for city in await context.services.reports.cities()],
        standard_options=[(name, name) for name in STANDARDS],
    )


@router.get("/stations/new")
async def new_station(request: Request, who: Staff) -> Response:
    require(who, Role.OPERATOR)
    return _station_form(request, who, values={"security_profile": "1"}, errors={}, new=True)


def _station_form(
    request: Request,
    who: Visitor,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    new: bool,
    station: Station | None = None,
    status: int = 200,
) -> Response:
    title = (
        who._("Register a station")
        if new
        else who._("Edit station %(id)s", id=station.id if station else "")
    )
    return render(
        request,
        who,
        "console/station_form.html",
        status=status,
        section="stations",
        title=title,
        values=values,
        errors=errors,
        new=new,
        station=station,
        time_zones=TIME_ZONES,
        **map_values(web(request)),
    )


def _location(check: FormCheck) -> dict[str, Any]:
    latitude = check.decimal("latitude", low=Decimal(-90), high=Decimal(90))
    longitude = check.decimal("longitude", low=Decimal(-180), high=Decimal(180))
    if (latitude is None) != (longitude is None) and "latitude" not in check.errors:
        check.fail(
            "longitude" if longitude is None else "latitude",
            check._("Give both coordinates, or neither."),
        )
    country = check.raw("country").upper()
    if country and not COUNTRY.match(country):
        check.fail("country", check._("Two letters, such as KZ."))
    return {
        "name": check.text("name"),
        "address": check.text("address"),
        "city": check.text("city", longest=64),
        "country": country or None,
        "time_zone": check.time_zone("time_zone"),
        "latitude": None if latitude is None else str(latitude),
        "longitude": None if longitude is None else str(longitude),
    }


@router.post("/stations/new")
async def register_station(request: Request, who: Staff) -> Response:
    require(who, Role.OPERATOR)
    form = await checked_form(request, who)
    check = FormCheck(form, who.translator)
    station_id = check.text("id", required=True, longest=48, pattern=STATION_ID)
    password = str(form.get("password") or "")
    if password and not 8 <= len(password) <= 64:
        check.fail("password", who._("Use 8 to 64 characters (16 to 40 random ones are best)."))
    profile = check.choice("security_profile", ("1", "2", "3"), required=True)
    fields = _location(check)
    values = values_of(form, ("id", "security_profile", *LOCATION_FIELDS))
    if not check.ok or station_id is None:
        return _station_form(request, who, values=values, errors=check.errors, new=True, status=422)
    services = web(request).services
    try:
        await services.stations.create(
            station_id,
            password or None,
            security_profile=int(profile or 1),
            **{k: v for k, v in fields.items() if v is not None},
        )
    except AlreadyExists:
        check.fail("id", who._("A station with this id exists already."))
        return _station_form(request, who, values=values, errors=check.errors, new=True, status=422)
    await services.audit.record(
        who.user.actor if who.user else "?",
        "station.create",
        target=f"station {station_id}",
        station_id=station_id,
        details={**{k: v for k, v in fields.items() if v is not None}, "password": password},
    )
    return redirect(who, f"/console/stations/{station_id}/connectors?notice=created")


@router.get("/stations/{station_id}")
async def station_page(request: Request, who: Staff, station_id: str) -> Response:
    context = web(request)
    services = context.services
    station = await services.stations.get(station_id)
    connected = context.presence.is_connected(station_id)
    version = context.presence.version_of(station_id) or station.ocpp_version
    active = await services.transactions.list(
        station_id=station_id, status=TransactionStatus.ACTIVE, limit=20
    )
    recent = await services.transactions.list(station_id=station_id, limit=15)
    readings = await services.reports.live_readings([tx.pk for tx in active])
    costs = await services.cdrs.costs([tx.pk for tx in recent])
    running = {tx.pk: await services.transactions.running_cost_of(tx.pk) for tx in active}
    events = await services.security.events(station_id, limit=10)
    certificates = await services.security.certificates(station_id)
    variables = (
        await services.device_model.list(station_id, limit=60)
        if version in EVSE_OCPP_VERSIONS
        else []
    )
    assignments = await services.tariffs.assignments(station_id)
    station_costs = await services.charger_costs.list(station_id=station_id, limit=10)
    settlements = await services.settlements.of_station(station_id, limit=10)
    notices = await services.notices.list(station_id, limit=10)
    return render(
        request,
        who,
        "console/station.html",
        section="stations",
        title=station.name or station.id,
        station=station,
        state=state_of(station, connected),
        states=STATE_LABELS,
        connected=connected,
        version=version,
        active=active,
        readings=readings,
        running=running,
        recent=recent,
        costs=costs,
        events=events,
        certificates=certificates,
        variables=variables,
        assignments=assignments,
        station_costs=station_costs,
        settlements=settlements,
        notices=notices,
        verdicts=VERDICT_LABELS,
        live_url=f"/console/events?station_id={station_id}",
        **map_values(context),
    )


@router.get("/stations/{station_id}/live")
async def station_live_part(request: Request, who: Staff, station_id: str) -> Response:
    """The connectors and running sessions, re-read when events say they changed."""
    context = web(request)
    services = context.services
    station = await services.stations.get(station_id)
    active = await services.transactions.list(
        station_id=station_id, status=TransactionStatus.ACTIVE, limit=20
    )
    readings = await services.reports.live_readings([tx.pk for tx in active])
    running = {tx.pk: await services.transactions.running_cost_of(tx.pk) for tx in active}
    return render(
        request,
        who,
        "console/station_live.html",
        station=station,
        connected=context.presence.is_connected(station_id),
        state=state_of(station, context.presence.is_connected(station_id)),
        states=STATE_LABELS,
        active=active,
        readings=readings,
        running=running,
        title="",
    )


@router.get("/stations/{station_id}/edit")
async def edit_station(request: Request, who: Staff, station_id: str) -> Response:
    require(who, Role.OPERATOR)
    station = await web(request).services.stations.get(station_id)
    values = {name: getattr(station, name) or "" for name in LOCATION_FIELDS}
    values["security_profile"] = str(station.security_profile)
    return _station_form(request, who, values=values, errors={}, new=False, station=station)


@router.post("/stations/{station_id}/edit")
async def save_station(request: Request, who: Staff, station_id: str) -> Response:
    require(who, Role.OPERATOR)
    form = await checked_form(request, who)
    services = web(request).services
    station = await services.stations.get(station_id)
    check = FormCheck(form, who.translator)
    fields = _location(check)
    profile = check.choice("security_profile", ("1", "2", "3"), required=True)
    if not check.ok:
        values = values_of(form, ("security_profile", *LOCATION_FIELDS))
        return _station_form(
            request, who, values=values, errors=check.errors, new=False, station=station, status=422
        )
    changes: dict[str, Any] = {**fields, "security_profile": int(profile or 1)}
    if form.get("accept") == "1":
        changes["registration"] = "accepted"
    await services.stations.update(station_id, changes)
    await services.audit.record(
        who.user.actor if who.user else "?",
        "station.update",
        target=f"station {station_id}",
        station_id=station_id,
        details=changes,
    )
    return redirect(who, f"/console/stations/{station_id}?notice=saved")


@router.get("/stations/{station_id}/connectors")
async def connectors_form(request: Request, who: Staff, station_id: str) -> Response:
    require(who, Role.OPERATOR)
    station = await web(request).services.stations.get(station_id)
    rows = [
        {
            "evse_id": str(c.evse_id),
            "connector_id": str(c.connector_id),
            "standard": c.standard or "",
            "format": c.format or "",
            "power_type": c.power_type or "",
            "max_power_kw": c.max_power_kw or "",
        }
        for c in station.connectors
    ]
    return _connectors_page(request, who, station, rows, {})


def _connectors_page(
    request: Request,
    who: Visitor,
    station: Station,
    rows: list[dict[str, str]],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    blank = {
        "evse_id": "",
        "connector_id": "",
        "standard": "",
        "format": "",
        "power_type": "",
        "max_power_kw": "",
    }
    shown = rows + [dict(blank) for _ in range(max(2, 4 - len(rows)))]
    return render(
        request,
        who,
        "console/connectors_form.html",
        status=status,
        section="stations",
        title=who._("Connectors of %(id)s", id=station.id),
        station=station,
        rows=shown,
        errors=errors,
        standards=STANDARDS,
        formats=FORMATS,
        power_types=POWER_TYPES,
    )


@router.post("/stations/{station_id}/connectors")
async def save_connectors(request: Request, who: Staff, station_id: str) -> Response:
    require(who, Role.OPERATOR)
    form = await checked_form(request, who)
    services = web(request).services
    station = await services.stations.get(station_id)
    check = FormCheck(form, who.translator)
    specs: list[ConnectorSpec] = []
    rows: list[dict[str, str]] = []
    for index in range(int(check.integer("rows", low=0, high=100) or 0)):
        prefix = f"c{index}."
        names = ("evse_id", "connector_id", "standard", "format", "power_type", "max_power_kw")
        row = {name: check.raw(prefix + name) for name in names}
        rows.append(row)
        if not any(row.values()):
            continue
        evse = check.integer(prefix + "evse_id", required=True, low=1, high=99)
        connector = check.integer(prefix + "connector_id", low=1, high=99) or 1
        standard = check.choice(prefix + "standard", STANDARDS, required=True)
        kind = check.choice(prefix + "format", FORMATS, required=True)
        power_type = check.choice(prefix + "power_type", POWER_TYPES)
        power = check.decimal(
            prefix + "max_power_kw", required=True, low=Decimal("0.1"), high=Decimal(2000)
        )
        if evse and standard and kind and power:
            specs.append(ConnectorSpec(evse, connector, standard, kind, power_type, power))
    if check.ok:
        try:
            await services.connectors.replace(station_id, specs)
        except InvalidInput as exc:
            check.fail("", str(exc))
    if not check.ok:
        rows = [r for r in rows if any(r.values())]
        return _connectors_page(request, who, station, rows, check.errors, status=422)
    await services.audit.record(
        who.user.actor if who.user else "?",
        "station.connectors",
        target=f"station {station_id}",
        station_id=station_id,
        details={
            "connectors": [
                f"{s.evse_id}/{s.connector_id} {s.standard} {s.max_power_kw} kW" for s in specs
            ]
        },
    )
    return redirect(who, f"/console/stations/{station_id}?notice=saved")
