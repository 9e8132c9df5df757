"""What the console shows of the whole network: stations by state, connectors by status, live
sessions, energy and revenue per day, the map, and the station search.

Which stations are online is not in the database (the gateway knows it), so the caller passes
the set of connected station ids where a figure depends on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from time import monotonic
from typing import NamedTuple
from zoneinfo import ZoneInfo

from steppe.domain.ports import Clock
from steppe.domain.stations.models import Connector, Station
from steppe.domain.transactions.models import ENERGY_REGISTER
from steppe.storage.db import Database
from steppe.storage.repositories import reports as repo
from steppe.storage.repositories import stations as stations_repo
from steppe.storage.repositories import transactions as transactions_repo

POWER = "Power.Active.Import"
STATION_STATES = ("online", "offline", "faulted", "pending")
# Figures of past days change only when a late transaction or CDR lands; they are read again
# after this many seconds. Today's are read on every request.
PAST_DAYS_FOR = 300.0
# The stations' positions and faults for the map are read again after this many seconds (who is
# online is applied on every request).
MAP_FOR = 30.0
# Up to this many connected stations, the online and offline filters go to the database as a
# list of ids; beyond it (a statement takes at most 32,766 values) they are applied here.
MOST_LISTED = 20_000


@dataclass(frozen=True, slots=True)
class StationCounts:
    total: int
    online: int
    faulted: int
    pending: int

    @property
    def offline(self) -> int:
        return max(self.total - self.online, 0)


@dataclass(slots=True)
class DayFigures:
    day: date
    energy_wh: int = 0
    revenue: dict[str, Decimal] = field(default_factory=dict)  # currency -> incl. VAT


@dataclass(frozen=True, slots=True)
class Overview:
    stations: StationCounts
    connectors: dict[str, int]  # status -> count ("Unknown" for never reported)
    live_sessions: int
    days: list[DayFigures]  # oldest first; the last one is today

    @property
    def today(self) -> DayFigures:
        return self.days[-1]

    @property
    def currencies(self) -> list[str]:
        return sorted({c for day in self.days for c in day.revenue})


class MapPoint(NamedTuple):
    station_id: str
    name: str | None
    city: str | None
    latitude: float
    longitude: float
    state: str  # online, offline, faulted or pending

    def with_state(self, state: str) -> MapPoint:
        return self._replace(state=state)


@dataclass(frozen=True, slots=True)
class StationFilter:
    text: str | None = None
    state: str | None = None
    city: str | None = None
    standard: str | None = None
    ocpp_version: str | None = None


@dataclass(frozen=True, slots=True)
class StationPage:
    stations: list[Station]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True, slots=True)
class LiveReading:
    """A running transaction's newest energy register and power readings."""

    meter_wh: int | None
    meter_at: datetime | None
    power_w: Decimal | None


def _utc_hour(text: str) -> datetime:
    return datetime.strptime(text[:13], "%Y-%m-%d %H").replace(tzinfo=UTC)


class NetworkReport:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        # (zone, first day, today) -> (read at, figures of the days before today)
        self._past: dict[tuple[str, date, date], tuple[float, list[DayFigures]]] = {}
        self._map: tuple[float, list[MapPoint]] = (-MAP_FOR, [])  # state "" until applied

    async def _days(self, zone: ZoneInfo, first: date, last: date) -> list[DayFigures]:
        """Energy and revenue of each day from `first` to `last` inclusive, in `zone`."""
        since = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
        until = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        async with self._db.connect() as conn:
            energy = await repo.hourly_energy(conn, since, until)
            revenue = await repo.hourly_revenue(conn, since, until)
        count = (last - first).days + 1
        figures = {
            first + timedelta(days=n): DayFigures(first + timedelta(days=n)) for n in range(count)
        }
        for hour, wh in energy:
            day = figures.get(_utc_hour(hour).astimezone(zone).date())
            if day is not None:
                day.energy_wh += wh
        for hour, currency, milli in revenue:
            day = figures.get(_utc_hour(hour).astimezone(zone).date())
            if day is not None:
                amount = Decimal(milli) / repo.MILLI
                day.revenue[currency] = day.revenue.get(currency, Decimal(0)) + amount
        return [figures[day] for day in sorted(figures)]

    async def _past_days(
        self, zone: ZoneInfo, time_zone: str, first: date, today: date
    ) -> list[DayFigures]:
        key = (time_zone, first, today)
        cached = self._past.get(key)
        now = monotonic()
        if cached is not None and now - cached[0] < PAST_DAYS_FOR:
            return cached[1]
        days = await self._days(zone, first, today - timedelta(days=1))
        self._past = {key: (now, days)}  # only the current window is worth keeping
        return days

    async def overview(self, connected: frozenset[str], time_zone: str, days: int = 30) -> Overview:
        """The dashboard's figures; days are calendar days in `time_zone` (whole-hour offsets).
        Past days are read at most every `PAST_DAYS_FOR` seconds, today on every call."""
        zone = ZoneInfo(time_zone)
        today = self._clock.now().astimezone(zone).date()
        first = today - timedelta(days=days - 1)
        async with self._db.connect() as conn:
            counts = await repo.station_counts(conn)
            statuses = await repo.connector_statuses(conn)
            live = await transactions_repo.count_active(conn)
        past = await self._past_days(zone, time_zone, first, today) if days > 1 else []
        current = await self._days(zone, today, today)
        return Overview(
            stations=StationCounts(
                total=counts["total"],
                online=len(connected),
                faulted=counts["faulted"],
                pending=counts["pending"],
            ),
            connectors={(status or "Unknown"): n for status, n in statuses.items()},
            live_sessions=live,
            days=[*past, *current],
        )

    async def map_points(self, connected: frozenset[str]) -> list[MapPoint]:
        """Every located station and its state; positions and faults are at most `MAP_FOR`
        seconds old, who is online is current."""
        now = monotonic()
        if now - self._map[0] >= MAP_FOR:
            async with self._db.connect() as conn:
                rows, faulted = await repo.map_points(conn)
            located = []
            for station_id, name, city, lat, lon, registration, status in rows:
                try:
                    latitude, longitude = float(lat), float(lon)
                except ValueError:
                    continue
                broken = status == repo.FAULTED or station_id in faulted
                fixed = "pending" if registration == "pending" else ("faulted" if broken else "")
                located.append(MapPoint(station_id, name, city, latitude, longitude, fixed))
            self._map = (now, located)
        return [
            p if p.state else p.with_state("online" if p.station_id in connected else "offline")
            for p in self._map[1]
        ]

    async def cities(self) -> list[str]:
        async with self._db.connect() as conn:
            return await repo.cities(conn)

    async def stations(
        self, where: StationFilter, connected: frozenset[str], *, offset: int, limit: int
    ) -> StationPage:
        """One page of the stations matching `where`, with their connectors."""
        filters: dict[str, object] = {
            "text": where.text,
            "city": where.city,
            "standard": where.standard,
            "ocpp_version": where.ocpp_version,
            "faulted": where.state == "faulted",
            "pending": where.state == "pending",
        }
        if where.state == "online" and len(connected) <= MOST_LISTED:
            filters["among"] = sorted(connected)
        elif where.state == "offline" and len(connected) <= MOST_LISTED:
            filters["besides"] = sorted(connected)
        async with self._db.connect() as conn:
            if where.state in ("online", "offline") and len(connected) > MOST_LISTED:
                # The database does not know who is online: filter the matching ids here.
                ids = await repo.search_ids(conn, **filters)
                online = where.state == "online"
                ids = [i for i in ids if (i in connected) is online]
                total = len(ids)
                chosen = ids[offset : offset + limit]
                by_id = await stations_repo.by_ids(conn, chosen) if chosen else {}
                rows: Sequence[object] = [by_id[i] for i in chosen if i in by_id]
            else:
                rows, total = await repo.search_page(conn, offset=offset, limit=limit, **filters)
            ids_on_page = [row["id"] for row in rows]  # type: ignore[index]
            connector_rows = await stations_repo.connectors_of_many(conn, ids_on_page)
        grouped: dict[str, list[Connector]] = {}
        for c in connector_rows:
            grouped.setdefault(c["station_id"], []).append(Connector.from_row(c))
        stations = [
            Station.from_row(row, tuple(grouped.get(row["id"], ())))  # type: ignore[index]
            for row in rows
        ]
        return StationPage(stations, total, offset, limit)

    async def time_zones(self, station_ids: Sequence[str]) -> dict[str, str | None]:
        """Each station's IANA time zone (None when it has none or no longer exists)."""
        wanted = sorted(set(station_ids))
        if not wanted:
            return {}
        async with self._db.connect() as conn:
            rows = await stations_repo.by_ids(conn, wanted)
        return {sid: (rows[sid]["time_zone"] if sid in rows else None) for sid in wanted}

    async def live_readings(self, transaction_pks: Sequence[int]) -> dict[int, LiveReading]:
        """The newest energy and power reading of each of these transactions."""
        async with self._db.connect() as conn:
            found = await repo.latest_readings(conn, transaction_pks, (ENERGY_REGISTER, POWER))
        out: dict[int, LiveReading] = {}
        for pk in transaction_pks:
            energy = found.get((pk, ENERGY_REGISTER))
            power = found.get((pk, POWER))
            out[pk] = LiveReading(
                meter_wh=int(Decimal(energy[1])) if energy else None,
                meter_at=energy[0] if energy else None,
                power_w=Decimal(power[1]) if power else None,
            )
        return out
