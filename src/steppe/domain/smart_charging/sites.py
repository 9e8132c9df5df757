"""Sites as operators describe them, stored: one row per site with its description, and the
stations on it (a station is on one site at most)."""

from __future__ import annotations

from steppe.domain.ports import Clock
from steppe.domain.smart_charging.specs import SiteSpec
from steppe.errors import Conflict, NotFound
from steppe.storage.db import Database
from steppe.storage.repositories import sites as repo


class SiteStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def put(self, site_id: str, spec: SiteSpec) -> bool:
        """Create or replace a site; Conflict when one of its stations is on another site."""
        station_ids = spec.all_station_ids()
        async with self._db.begin() as conn:
            owners = await repo.owners(conn, station_ids)
            taken = sorted(s for s, owner in owners.items() if owner != site_id)
            if taken:
                raise Conflict(f"station {taken[0]!r} is on site {owners[taken[0]]!r} already")
            body = spec.model_dump_json(exclude_defaults=False)
            return await repo.put(conn, site_id, body, station_ids, self._clock.now())

    async def get(self, site_id: str) -> SiteSpec:
        async with self._db.connect() as conn:
            row = await repo.get(conn, site_id)
        if row is None:
            raise NotFound(f"site {site_id!r} not found")
        return SiteSpec.model_validate_json(row["body"])

    async def all(self) -> list[tuple[str, SiteSpec]]:
        async with self._db.connect() as conn:
            rows = await repo.all_sites(conn)
        return [(row["id"], SiteSpec.model_validate_json(row["body"])) for row in rows]

    async def remove(self, site_id: str) -> None:
        async with self._db.begin() as conn:
            if not await repo.remove(conn, site_id):
                raise NotFound(f"site {site_id!r} not found")
