"""Tariff rules: store and version tariffs, assign them to stations and EVSEs, give estimates.

A station or one of its EVSEs holds an ordered list of tariff ids (like an OCPI connector's
`tariff_ids`); the tariff that applies to a session is the first one valid when it starts, with
the EVSE's own list taking precedence over the station's.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from steppe.domain.ports import Clock
from steppe.domain.tariffs.engine import Costing, price
from steppe.domain.tariffs.models import Tariff
from steppe.domain.tariffs.periods import Session
from steppe.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from steppe.storage.db import Database
from steppe.storage.repositories import stations as stations_repo
from steppe.storage.repositories import tariffs as repo


@dataclass(frozen=True, slots=True)
class Place:
    """Where a session happens, as far as pricing cares."""

    station_id: str
    time_zone: str
    country: str | None


@dataclass(frozen=True, slots=True)
class Assignment:
    station_id: str
    evse_id: int | None
    tariff_ids: tuple[str, ...]


def _from_row(row: Any) -> Tariff:
    tariff = Tariff.from_dict(json.loads(row["body"]))
    return replace(tariff, last_updated=row["updated_at"])


class TariffService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def create(self, tariff: Tariff) -> Tariff:
        now = self._clock.now()
        async with self._db.begin() as conn:
            if await repo.get(conn, tariff.id) is not None:
                raise AlreadyExists(f"tariff {tariff.id!r} already exists")
            await repo.insert(conn, {**self._columns(tariff), "id": tariff.id, "created_at": now})
        return replace(tariff, last_updated=now)

    async def replace(self, tariff: Tariff) -> Tariff:
        """Store a new version of an existing tariff (PUT)."""
        now = self._clock.now()
        async with self._db.begin() as conn:
            if not await repo.update(conn, tariff.id, self._columns(tariff)):
                raise NotFound(f"tariff {tariff.id!r} does not exist")
        return replace(tariff, last_updated=now)

    def _columns(self, tariff: Tariff) -> dict[str, Any]:
        body = tariff.as_dict()
        body.pop("last_updated", None)
        return {
            "currency": tariff.currency,
            "body": json.dumps(body, separators=(",", ":")),
            "valid_from": tariff.start_date_time,
            "valid_to": tariff.end_date_time,
            "updated_at": self._clock.now(),
        }

    async def get(self, tariff_id: str) -> Tariff:
        async with self._db.connect() as conn:
            row = await repo.get(conn, tariff_id)
        if row is None:
            raise NotFound(f"tariff {tariff_id!r} does not exist")
        return _from_row(row)

    async def list(self, *, after: str | None = None, limit: int = 100) -> list[Tariff]:
        async with self._db.connect() as conn:
            rows = await repo.list_page(conn, after=after, limit=limit)
        return [_from_row(row) for row in rows]

    async def delete(self, tariff_id: str) -> None:
        async with self._db.begin() as conn:
            if await repo.assignment_count(conn, tariff_id):
                raise Conflict(f"tariff {tariff_id!r} is assigned to stations; unassign it first")
            if not await repo.delete(conn, tariff_id):
                raise NotFound(f"tariff {tariff_id!r} does not exist")

    async def assign(
        self, station_id: str, tariff_ids: Sequence[str], *, evse_id: int | None = None
    ) -> Assignment:
        """Give a station (or one EVSE) its tariffs, in order; an empty list removes them."""
        if len(set(tariff_ids)) != len(tariff_ids):
            raise InvalidInput("tariff_ids: a tariff is listed twice")
        now = self._clock.now()
        async with self._db.begin() as conn:
            if await stations_repo.get(conn, station_id) is None:
                raise NotFound(f"station {station_id!r} does not exist")
            for tariff_id in tariff_ids:
                if await repo.get(conn, tariff_id) is None:
                    raise NotFound(f"tariff {tariff_id!r} does not exist")
            await repo.unassign(conn, station_id, evse_id)
            for tariff_id in tariff_ids:
                await repo.add_assignment(conn, station_id, evse_id, tariff_id, updated_at=now)
        return Assignment(station_id, evse_id, tuple(tariff_ids))

    async def assignments(self, station_id: str) -> builtins.list[Assignment]:
        async with self._db.connect() as conn:
            if await stations_repo.get(conn, station_id) is None:
                raise NotFound(f"station {station_id!r} does not exist")
            rows = await repo.assignments_of(conn, station_id)
        grouped: dict[int | None, list[str]] = {}
        for row in rows:
            grouped.setdefault(row["evse_id"], []).append(row["tariff_id"])
        return [Assignment(station_id, evse, tuple(ids)) for evse, ids in grouped.items()]

    async def place(self, station_id: str) -> Place:
        async with self._db.connect() as conn:
            row = await stations_repo.get(conn, station_id)
        if row is None:
            raise NotFound(f"station {station_id!r} does not exist")
        return Place(station_id, row["time_zone"] or "UTC", row["country"])

    async def resolve(
        self, station_id: str, evse_id: int | None, at: datetime | None = None
    ) -> Tariff | None:
        """The tariff that applies to a session starting `at` on this station and EVSE."""
        moment = at or self._clock.now()
        assignments = await self.assignments(station_id)
        by_evse = {a.evse_id: a.tariff_ids for a in assignments}
        for key in (evse_id, None) if evse_id is not None else (None,):
            for tariff_id in by_evse.get(key, ()):
                tariff = await self.get(tariff_id)
                if tariff.valid_at(moment):
                    return tariff
        return None

    async def estimate(
        self,
        tariff_id: str,
        *,
        energy_kwh: Decimal,
        duration_minutes: Decimal,
        parking_minutes: Decimal = Decimal(0),
        start: datetime | None = None,
        country: str | None = None,
        time_zone: str = "UTC",
    ) -> Costing:
        """What a session would cost: energy spread evenly over the charging time."""
        return self.preview(
            await self.get(tariff_id),
            energy_kwh=energy_kwh,
            duration_minutes=duration_minutes,
            parking_minutes=parking_minutes,
            start=start,
            country=country,
            time_zone=time_zone,
        )

    def preview(
        self,
        tariff: Tariff,
        *,
        energy_kwh: Decimal,
        duration_minutes: Decimal,
        parking_minutes: Decimal = Decimal(0),
        start: datetime | None = None,
        country: str | None = None,
        time_zone: str = "UTC",
    ) -> Costing:
        """What a session would cost under `tariff`, stored or not (a tariff being edited)."""
        session = Session.even(
            start or self._clock.now(),
            charging_seconds=duration_minutes * 60,
            energy_wh=energy_kwh * 1000,
            parking_seconds=parking_minutes * 60,
            time_zone=time_zone,
            country=country,
        )
        return price(tariff, session)
