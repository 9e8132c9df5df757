"""What partners may read: pages of locations, tariffs, and their own sessions and CDRs.

Each page comes with the total count that matches, for OCPI's pagination headers. Sessions and
CDRs are only ever those of the partner asking.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from steppe.domain.cdrs.models import Cdr
from steppe.domain.roaming.models import RoamingToken
from steppe.domain.stations.models import Connector, Station
from steppe.domain.tariffs.models import Tariff
from steppe.domain.transactions.models import Transaction
from steppe.storage.db import Database
from steppe.storage.repositories import cdrs as cdrs_repo
from steppe.storage.repositories import ocpi_objects as repo
from steppe.storage.repositories import ocpi_partners as tokens_repo
from steppe.storage.repositories import transactions as transactions_repo


@dataclass(frozen=True, slots=True)
class Window:
    """OCPI's pagination: last change in [date_from, date_to), offset and limit."""

    date_from: datetime | None = None
    date_to: datetime | None = None
    offset: int = 0
    limit: int = 100


@dataclass(frozen=True, slots=True)
class Site:
    """A station with its connectors and the tariffs of each EVSE (key None: the station's)."""

    station: Station
    connectors: tuple[Connector, ...]
    tariffs: dict[int | None, list[str]] = field(default_factory=dict)
    last_updated: datetime | None = None

    def tariffs_of(self, evse_id: int) -> list[str]:
        return self.tariffs.get(evse_id) or self.tariffs.get(None, [])


@dataclass(frozen=True, slots=True)
class RoamingSession:
    transaction: Transaction
    partner_id: str
    auth_method: str | None
    reference: str | None
    token: RoamingToken | None


class Catalogue:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def sites(self, window: Window) -> tuple[list[Site], int]:
        async with self._db.connect() as conn:
            rows, total = await repo.locations_page(
                conn,
                date_from=window.date_from,
                date_to=window.date_to,
                offset=window.offset,
                limit=window.limit,
            )
            sites = await self._sites(conn, rows)
        return sites, total

    async def sites_of(self, station_ids: Sequence[str]) -> dict[str, Site]:
        """The publishable ones among these stations, by id (one read for them all)."""
        async with self._db.connect() as conn:
            rows = await repo.locations_of(conn, sorted(set(station_ids)))
            found = await self._sites(conn, rows)
        return {site.station.id: site for site in found}

    async def site(self, station_id: str) -> Site | None:
        async with self._db.connect() as conn:
            row = await repo.location(conn, station_id)
            found = await self._sites(conn, [row] if row is not None else [])
        return found[0] if found else None

    @staticmethod
    async def _sites(conn: Any, rows: Sequence[Any]) -> list[Site]:
        ids = [row["id"] for row in rows]
        by_station: dict[str, list[Connector]] = {}
        changed: dict[str, datetime] = {}
        for c in await repo.connectors_of(conn, ids):
            by_station.setdefault(c["station_id"], []).append(Connector.from_row(c))
            seen = changed.get(c["station_id"])
            if seen is None or c["updated_at"] > seen:
                changed[c["station_id"]] = c["updated_at"]
        tariffs: dict[str, dict[int | None, list[str]]] = {}
        for a in await repo.assignments_of(conn, ids):
            tariffs.setdefault(a["station_id"], {}).setdefault(a["evse_id"], []).append(
                a["tariff_id"]
            )
        sites = []
        for row in rows:
            own = tuple(by_station.get(row["id"], ()))
            last = row.get("last_updated")
            if last is None:
                connector_change = changed.get(row["id"])
                last = row["updated_at"]
                if connector_change is not None and connector_change > last:
                    last = connector_change
            sites.append(Site(Station.from_row(row), own, tariffs.get(row["id"], {}), last))
        return sites

    async def tariffs(self, window: Window) -> tuple[list[Tariff], int]:
        async with self._db.connect() as conn:
            rows, total = await repo.tariffs_page(
                conn,
                date_from=window.date_from,
                date_to=window.date_to,
                offset=window.offset,
                limit=window.limit,
            )
        return [
            replace(Tariff.from_dict(json.loads(r["body"])), last_updated=r["updated_at"])
            for r in rows
        ], total

    async def sessions(
        self, partner_id: str, window: Window
    ) -> tuple[builtins.list[RoamingSession], int]:
        async with self._db.connect() as conn:
            rows, total = await repo.sessions_page(
                conn,
                partner_id,
                date_from=window.date_from,
                date_to=window.date_to,
                offset=window.offset,
                limit=window.limit,
            )
            return [await self._session(conn, row) for row in rows], total

    async def session(self, transaction_pk: int) -> RoamingSession | None:
        async with self._db.connect() as conn:
            row = await transactions_repo.get(conn, transaction_pk)
            if row is None or row["ocpi_partner_id"] is None:
                return None
            return await self._session(conn, row)

    @staticmethod
    async def _session(conn: Any, row: Any) -> RoamingSession:
        token = None
        if row["id_token"] is not None:
            for found in await tokens_repo.tokens_by_uid(conn, row["id_token"]):
                if found["partner_id"] == row["ocpi_partner_id"]:
                    token = RoamingToken.from_row(found)
        return RoamingSession(
            Transaction.from_row(row),
            row["ocpi_partner_id"],
            row["ocpi_auth_method"],
            row["ocpi_auth_reference"],
            token,
        )

    async def cdrs(self, partner_id: str, window: Window) -> tuple[builtins.list[Cdr], int]:
        async with self._db.connect() as conn:
            rows, total = await repo.cdrs_page(
                conn,
                partner_id,
                date_from=window.date_from,
                date_to=window.date_to,
                offset=window.offset,
                limit=window.limit,
            )
        return [Cdr.from_row(row) for row in rows], total

    async def cdr(self, cdr_id: str) -> Cdr | None:
        async with self._db.connect() as conn:
            row = await cdrs_repo.get(conn, cdr_id)
        return None if row is None else Cdr.from_row(row)
