"""The device model each station reports: stored per component, variable and attribute."""

from __future__ import annotations

from collections.abc import Sequence

from steppe.domain.device_model.models import DeviceVariable
from steppe.domain.ports import Clock
from steppe.storage.db import Database
from steppe.storage.group_commit import Batch, GroupCommitter
from steppe.storage.repositories import device_model as repo


class DeviceModelService:
    def __init__(self, db: Database, committer: GroupCommitter, clock: Clock) -> None:
        self._db = db
        self._committer = committer
        self._clock = clock

    async def record(self, station_id: str, variables: Sequence[DeviceVariable]) -> int:
        """Store a report's variables (NotifyReport), each replacing the one with its key."""
        return await self._upsert(station_id, variables, value_only=False)

    async def record_values(self, station_id: str, variables: Sequence[DeviceVariable]) -> int:
        """Store new values only (NotifyEvent), keeping what the report said about them."""
        return await self._upsert(station_id, variables, value_only=True)

    async def _upsert(
        self, station_id: str, variables: Sequence[DeviceVariable], *, value_only: bool
    ) -> int:
        now = self._clock.now()
        rows = [v.as_row(station_id, now) for v in variables]

        async def write(batch: Batch) -> None:
            repo.upsert_later(batch, rows, value_only=value_only)

        if rows:
            await self._committer.write(write)
        return len(rows)

    async def list(
        self,
        station_id: str,
        *,
        component: str | None = None,
        variable: str | None = None,
        after: int | None = None,
        limit: int = 200,
    ) -> list[DeviceVariable]:
        async with self._db.connect() as conn:
            rows = await repo.page(
                conn, station_id, component=component, variable=variable, after=after, limit=limit
            )
        return [DeviceVariable.from_row(row) for row in rows]
