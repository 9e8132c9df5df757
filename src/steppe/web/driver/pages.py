"""The public pages: the map and list of stations, a station, an EVSE's start page and its QR
code. No sign-in is needed to look; "my car" (a catalogue row kept in a cookie of this browser)
narrows every page to the connectors that car can use, with the time and price of 20 -> 80 %.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

import segno
from fastapi import Depends, Path, Query, Request
from starlette.responses import Response

from steppe.domain.stations.models import Connector, Station
from steppe.domain.tariffs.models import Tariff
from steppe.domain.vehicles.models import Vehicle
from steppe.domain.vehicles.service import Adviser, ConnectorAdvice, TariffOf, advise
from steppe.web.driver.errors import driver_router
from steppe.web.driver.site import DriverSite, site
from steppe.web.driver.tariff_words import describe
from steppe.web.driver.visitors import CAR_COOKIE, DriverVisitor, render, visitor
from steppe.web.i18n import N_, Translator, zone

router = driver_router()
Who = Annotated[DriverVisitor, Depends(visitor)]
StationPath = Annotated[str, Path(max_length=48)]
EvsePath = Annotated[int, Path(ge=1, le=10_000)]
PAGE = 25  # stations listed on one page of `/` (the map shows them all)

STANDARDS = {
    "GBT_AC": "GB/T AC",
    "GBT_DC": "GB/T DC",
    "IEC_62196_T1": "Type 1",
    "IEC_62196_T1_COMBO": "CCS1",
    "IEC_62196_T2": "Type 2",
    "IEC_62196_T2_COMBO": "CCS2",
    "IEC_62196_T3C": "Type 3C",
    "CHADEMO": "CHAdeMO",
    "CHAOJI": "ChaoJi",
    "NACS": "NACS",
    "TESLA_S": "Tesla",
    "DOMESTIC_F": "Schuko",
}
STATES = {
    "Available": ("free", N_("Free")),
    "Preparing": ("free", N_("Free")),
    "Occupied": ("busy", N_("In use")),
    "Charging": ("busy", N_("In use")),
    "SuspendedEV": ("busy", N_("In use")),
    "SuspendedEVSE": ("busy", N_("In use")),
    "Finishing": ("busy", N_("In use")),
    "Reserved": ("busy", N_("Reserved")),
    "Faulted": ("down", N_("Out of order")),
    "Unavailable": ("down", N_("Unavailable")),
}
OFFLINE = ("down", N_("Offline"))
UNKNOWN = ("unknown", N_("Unknown"))


def standard_label(standard: str | None) -> str:
    return STANDARDS.get(standard or "", standard or "?")


def state_of(connector: Connector, online: bool) -> tuple[str, str]:
    """(css class, message) of a connector's state as a driver reads it."""
    if not online:
        return OFFLINE
    return STATES.get(connector.status or "", UNKNOWN)


@dataclass(frozen=True, slots=True)
class Kind:
    """Connectors of one standard and power at a station: how many, how many free."""

    standard: str
    kw: Decimal | None
    free: int
    total: int
    advice: ConnectorAdvice | None  # for the chosen car, the best of them


def kinds(
    connectors: Iterable[Connector], online: bool, advice: Iterable[ConnectorAdvice] = ()
) -> list[Kind]:
    by_connector = {(a.connector.evse_id, a.connector.connector_id): a for a in advice}
    groups: dict[tuple[str, Decimal | None], list[Connector]] = {}
    for c in connectors:
        kw = Decimal(c.max_power_kw) if c.max_power_kw else None
        groups.setdefault((standard_label(c.standard), kw), []).append(c)
    out = []
    for (label, kw), members in groups.items():
        free = sum(1 for c in members if state_of(c, online)[0] == "free")
        fitted = [
            by_connector[(c.evse_id, c.connector_id)]
            for c in members
            if (c.evse_id, c.connector_id) in by_connector
        ]
        best = min(fitted, key=lambda a: a.charge.duration) if fitted else None
        out.append(Kind(label, kw, free, len(members), best))
    return out  # in the order of the station's EVSEs


def car_choices(here: DriverSite) -> list[tuple[str, list[tuple[str, str]]]]:
    """The catalogue by make, each row labelled `C10 · CN · 2024 · trim`."""
    catalogue = here.services.vehicles.catalogue
    groups: dict[str, list[tuple[str, str]]] = {}
    for row in catalogue.all():
        label = " · ".join(
            part for part in (row.model, row.variant.value, str(row.model_year), row.trim) if part
        )
        groups.setdefault(row.make, []).append((row.id, label))
    return [(make, sorted(rows, key=lambda r: r[1])) for make, rows in sorted(groups.items())]


def car_label(car: Vehicle | None) -> str:
    if car is None:
        return ""
    parts = (car.make, car.model, car.variant.value, str(car.model_year), car.trim)
    return " ".join(part for part in parts if part)


def remember_car(request: Request, who: DriverVisitor) -> None:
    """`?car=<id>` keeps the car in this browser, `?car=` forgets it."""
    if "car" not in request.query_params:
        return
    if who.car is None:
        who.set_cookie(CAR_COOKIE, "")
    else:
        who.set_cookie(CAR_COOKIE, who.car.id)


def directions(station: Station) -> str | None:
    if station.latitude is None or station.longitude is None:
        return None
    return (
        "https://www.openstreetmap.org/directions?route=%3B"
        f"{station.latitude}%2C{station.longitude}"
    )


def tariff_lines(
    tariffs: Iterable[Tariff], t: Translator, station: Station, today: Any
) -> list[list[str]]:
    return [describe(tariff, t, country=station.country, today=today) for tariff in tariffs]


@router.get("/")
async def home(
    request: Request, who: Who, page: Annotated[int, Query(ge=1, le=1000)] = 1
) -> Response:
    """The map of every station (or every one the car can use) and a page of the list."""
    here = site(request)
    remember_car(request, who)
    now = here.services.clock.now()
    adviser = None if who.car is None else Adviser(who.car, now=now)
    rows: list[dict[str, Any]] = []
    hidden = 0
    for entry in await here.services.drivers.directory.stations(now):
        station = entry.station
        advice = None
        if adviser is not None:
            advice = adviser.station(station, entry.tariff_of)
            if not advice.usable:
                hidden += 1
                continue
            shown: list[Connector] = [a.connector for a in advice.usable]
        else:
            shown = list(station.connectors)
        rows.append({"entry": entry, "shown": shown, "advice": advice})
    pages = max((len(rows) + PAGE - 1) // PAGE, 1)
    page = min(page, pages)
    listed = []
    for row in rows[(page - 1) * PAGE : page * PAGE]:
        entry, advice = row["entry"], row["advice"]
        groups = kinds(row["shown"], entry.online, advice.usable if advice else ())
        listed.append({"station": entry.station, "online": entry.online, "kinds": groups})
    points = [
        [
            row["entry"].station.id,
            row["entry"].station.name or row["entry"].station.id,
            float(row["entry"].station.latitude),
            float(row["entry"].station.longitude),
            sum(1 for c in row["shown"] if state_of(c, row["entry"].online)[0] == "free"),
        ]
        for row in rows
        if row["entry"].station.latitude and row["entry"].station.longitude
    ]
    settings = here.settings
    return render(
        request,
        who,
        "driver/home.html",
        title=who._("Charging stations"),
        rows=listed,
        page=page,
        pages=pages,
        hidden=hidden,
        # inside <script>: no "<" may end it early, whatever a station is called
        points=json.dumps(points, separators=(",", ":"), ensure_ascii=False).replace(
            "<", "\\u003c"
        ),
        cars=car_choices(here),
        car_label=car_label(who.car),
        tile_url=settings.console_tile_url,
        tile_attribution=settings.console_tile_attribution,
        standard_label=standard_label,
    )


async def _tariffs_of(here: DriverSite, station: Station) -> TariffOf:
    now = here.services.clock.now()
    chosen: dict[int, Tariff | None] = {}
    for evse in sorted({c.evse_id for c in station.connectors}):
        chosen[evse] = await here.services.tariffs.resolve(station.id, evse, now)
    return chosen.get


@router.get("/stations/{station_id}")
async def station_page(request: Request, who: Who, station_id: StationPath) -> Response:
    here = site(request)
    remember_car(request, who)
    station = await here.services.vehicles.public_station(station_id)
    online = here.web.presence.is_connected(station.id)
    tariff_of = await _tariffs_of(here, station)
    now = here.services.clock.now()
    advice = advise(who.car, station, tariff_of, now=now) if who.car is not None else None
    fits = (
        {(a.connector.evse_id, a.connector.connector_id): a for a in advice.usable}
        if advice
        else {}
    )
    evses: dict[int, list[dict[str, Any]]] = {}
    for c in station.connectors:
        evses.setdefault(c.evse_id, []).append(
            {
                "connector": c,
                "label": standard_label(c.standard),
                "state": state_of(c, online),
                "advice": fits.get((c.evse_id, c.connector_id)),
                "fits": advice is None or (c.evse_id, c.connector_id) in fits,
            }
        )
    tariffs: dict[str, Tariff] = {}
    for evse in evses:
        found = tariff_of(evse)
        if found is not None:
            tariffs.setdefault(found.id, found)
    local_day = now.astimezone(zone(station.time_zone)).date()
    return render(
        request,
        who,
        "driver/station.html",
        title=station.name or station.id,
        station=station,
        online=online,
        evses=sorted(evses.items()),
        tariffs=tariff_lines(tariffs.values(), who.translator, station, local_day),
        directions=directions(station),
        car_label=car_label(who.car),
    )


@router.get("/charge/{station_id}/{evse_id}")
async def charge_page(
    request: Request, who: Who, station_id: StationPath, evse_id: EvsePath
) -> Response:
    return await start_page(request, who, station_id, evse_id)


async def start_page(
    request: Request,
    who: DriverVisitor,
    station_id: str,
    evse_id: int,
    *,
    status: int = 200,
    problem: str | None = None,
    mismatch: bool = False,
) -> Response:
    """The start page of one EVSE (also shown again with a problem after a refused start)."""
    here = site(request)
    remember_car(request, who)
    place = await here.services.drivers.charging.evse(station_id, evse_id)
    station = place.station
    tariff = await here.services.tariffs.resolve(station.id, evse_id, here.services.clock.now())
    now = here.services.clock.now()
    advice = None
    if who.car is not None:
        only_here = Station(**{**_fields(station), "connectors": place.connectors})
        advice = advise(who.car, only_here, lambda _evse: tariff, now=now)
    connectors = [
        {
            "connector": c,
            "label": standard_label(c.standard),
            "state": state_of(c, place.online),
        }
        for c in place.connectors
    ]
    local_day = now.astimezone(zone(station.time_zone)).date()
    return render(
        request,
        who,
        "driver/charge.html",
        status=status,
        title=who._("Charge at %(station)s", station=station.name or station.id),
        station=station,
        evse_id=evse_id,
        connectors=connectors,
        unavailable=place.unavailable,
        advice=advice,
        tariff=tariff_lines([tariff] if tariff else [], who.translator, station, local_day),
        car_label=car_label(who.car),
        problem=problem,
        mismatch=mismatch or (advice is not None and not advice.usable),
        qr_url=f"/charge/{station.id}/{evse_id}/qr.svg",
    )


def _fields(station: Station) -> dict[str, Any]:
    return {name: getattr(station, name) for name in Station.__dataclass_fields__}


@router.get("/charge/{station_id}/{evse_id}/qr.svg")
async def qr_code(request: Request, station_id: StationPath, evse_id: EvsePath) -> Response:
    """The EVSE's QR code for the sticker on the charger: its start page's full address."""
    here = site(request)
    place = await here.services.drivers.charging.evse(station_id, evse_id)
    target = f"{here.base_url(request)}/charge/{place.station.id}/{evse_id}"
    code = segno.make_qr(target, error="m")
    out = io.BytesIO()
    code.save(out, kind="svg", scale=10, border=4, xmldecl=False, title=target)
    return Response(
        out.getvalue(),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get("/charge/{station_id}/{evse_id}/sticker")
async def sticker(
    request: Request, who: Who, station_id: StationPath, evse_id: EvsePath
) -> Response:
    """A page to print: the QR code with the station and EVSE written under it."""
    here = site(request)
    place = await here.services.drivers.charging.evse(station_id, evse_id)
    return render(
        request,
        who,
        "driver/sticker.html",
        title=who._("Sticker"),
        station=place.station,
        evse_id=evse_id,
        labels=[standard_label(c.standard) for c in place.connectors],
        target=f"{here.base_url(request)}/charge/{place.station.id}/{evse_id}",
        qr_url=f"/charge/{place.station.id}/{evse_id}/qr.svg",
    )
