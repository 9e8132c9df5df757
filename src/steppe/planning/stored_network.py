"""`network = "current"`: the stations, connectors, tariffs and past sessions Steppe has stored.

Read through the domain services of an application built by `steppe.app.build(settings)`, the
one place the planning twin touches the running system's code; nothing is written. Each EVSE
becomes one charger (one car at a time) with its declared connectors; a connector without a
declared standard cannot be planned for and is left out, with a note in the summary.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from steppe.config import Settings
from steppe.domain.services import Services
from steppe.domain.stations.models import Station
from steppe.domain.tariffs.models import Tariff
from steppe.planning.model import HOURS_PER_WEEK
from steppe.planning.specs import ChargerSpec, SiteSpec

PAGE = 500
UNDECLARED_KW = {"DC": 50.0, "AC_3_PHASE": 22.0, "AC_1_PHASE": 7.4}
DC_STANDARDS = frozenset(
    {"GBT_DC", "IEC_62196_T1_COMBO", "IEC_62196_T2_COMBO", "CHADEMO", "CHAOJI"}
)


@dataclass(frozen=True, slots=True)
class StoredNetwork:
    sites: tuple[SiteSpec, ...]
    tariffs: dict[str, Tariff]  # station id -> the tariff a session starting at the start gets
    week_counts: tuple[float, ...]  # stored sessions by local hour of the week (Monday 00:00 first)
    sessions_by_site: dict[str, int]
    notes: tuple[str, ...] = field(default=())


def read(settings: Settings, at: datetime) -> StoredNetwork:
    return asyncio.run(_read(settings, at))


async def _read(settings: Settings, at: datetime) -> StoredNetwork:
    from steppe.app import build

    steppe = build(settings)
    try:
        return await _collect(steppe.services, at)
    finally:
        await steppe.db.close()


async def _collect(services: Services, at: datetime) -> StoredNetwork:
    notes: list[str] = []
    stations: list[Station] = []
    after: str | None = None
    while True:
        page = await services.stations.list(after=after, limit=PAGE)
        stations.extend(page)
        if len(page) < PAGE:
            break
        after = page[-1].id
    sites = []
    tariffs: dict[str, Tariff] = {}
    zones: dict[str, ZoneInfo] = {}
    for station in stations:
        site = _site(station, notes)
        if site is None:
            continue
        sites.append(site)
        zones[site.id] = ZoneInfo(site.time_zone)
        if services.tariffs is not None:
            tariff = await services.tariffs.resolve(station.id, None, at)
            if tariff is not None:
                tariffs[station.id] = tariff
    week = [0.0] * HOURS_PER_WEEK
    by_site: Counter[str] = Counter()
    before: int | None = None
    while True:
        rows = await services.transactions.list(before_pk=before, limit=PAGE)
        for row in rows:
            zone = zones.get(row.station_id)
            if zone is None or row.started_at is None:
                continue
            started = (
                row.started_at if row.started_at.tzinfo else row.started_at.replace(tzinfo=UTC)
            )
            local = started.astimezone(zone)
            week[local.weekday() * 24 + local.hour] += 1
            by_site[row.station_id] += 1
        if len(rows) < PAGE:
            break
        before = rows[-1].pk
    return StoredNetwork(tuple(sites), tariffs, tuple(week), dict(by_site), tuple(notes))


def _site(station: Station, notes: list[str]) -> SiteSpec | None:
    try:
        lat = float(Decimal(str(station.latitude)))
        lon = float(Decimal(str(station.longitude)))
    except (InvalidOperation, ValueError):
        notes.append(f"station {station.id}: no latitude/longitude stored; left out")
        return None
    zone = station.time_zone or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        notes.append(f"station {station.id}: unknown time zone {zone!r}; UTC used")
        zone = "UTC"
    evses: dict[int, list[tuple[str, str | None, float | None]]] = {}
    for connector in station.connectors:
        if connector.standard is None:
            notes.append(
                f"station {station.id} evse {connector.evse_id} connector "
                f"{connector.connector_id}: no standard declared; left out"
            )
            continue
        power = None
        if connector.max_power_kw is not None:
            try:
                power = float(Decimal(connector.max_power_kw))
            except InvalidOperation:
                power = None
        evses.setdefault(connector.evse_id, []).append(
            (connector.standard, connector.power_type, power)
        )
    chargers = []
    for evse_id in sorted(evses):
        connectors = evses[evse_id]
        standards = tuple(dict.fromkeys(standard for standard, _, _ in connectors))
        declared = [kind for _, kind, _ in connectors if kind]
        if any(s in DC_STANDARDS for s in standards) or "DC" in declared:
            power_type = "DC"
        else:
            power_type = "AC_3_PHASE" if "AC_3_PHASE" in declared or not declared else declared[0]
        powers = [p for _, _, p in connectors if p]
        power = max(powers) if powers else UNDECLARED_KW[power_type]
        chargers.append(ChargerSpec(1, power, power_type, standards))
    return SiteSpec(
        station.id,
        station.name or station.id,
        lat,
        lon,
        zone,
        station.country.upper() if station.country else None,
        None,
        None,
        None,
        tuple(chargers),
    )
