"""Coalesced reads: concurrent look-ups share queries, each caller gets its own row, never stale."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import OperationalError

from steppe.errors import StorageUnavailable
from steppe.storage import migrator
from steppe.storage.coalesced_reads import CoalescedReader
from steppe.storage.db import Database
from steppe.storage.repositories import stations

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def station_row(station_id: str) -> dict[str, object]:
    return {"id": station_id, "created_at": NOW, "updated_at": NOW}


async def test_concurrent_lookups_share_queries_and_each_gets_its_row(database_url: str) -> None:
    db = Database(database_url)
    await migrator.upgrade(db.engine)
    async with db.begin() as conn:
        await stations.insert_many(conn, [station_row(f"CS-{i:04d}") for i in range(1200)])
    reader: CoalescedReader[str] = CoalescedReader(db, stations.by_ids, max_keys=500)

    wanted = [f"CS-{i:04d}" for i in range(1200)] + ["CS-0007", "NO-SUCH-STATION"]
    rows = await asyncio.gather(*(reader.get(key) for key in wanted))

    assert [row["id"] if row else None for row in rows] == [*wanted[:-1], None]
    # 1,201 distinct keys, at most 500 a query: a handful of queries instead of 1,202.
    assert 3 <= reader.queries <= 6
    await db.close()


async def test_a_lookup_sees_a_write_made_before_it(sqlite_url: str) -> None:
    """No cache: what was committed before `get` is what `get` returns."""
    db = Database(sqlite_url)
    await migrator.upgrade(db.engine)
    reader: CoalescedReader[str] = CoalescedReader(db, stations.by_ids)
    assert await reader.get("CS-1") is None
    async with db.begin() as conn:
        await stations.insert(conn, station_row("CS-1"))
    row = await reader.get("CS-1")
    assert row is not None and row["registration"] == "accepted"
    async with db.begin() as conn:
        await stations.update(conn, "CS-1", {"registration": "rejected"})
    row = await reader.get("CS-1")
    assert row is not None and row["registration"] == "rejected"
    await db.close()


async def test_a_failed_query_fails_its_callers_and_the_next_ones_recover(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    await migrator.upgrade(db.engine)
    calls = 0

    async def flaky(conn, keys):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OperationalError("SELECT", {}, Exception("database is locked"))
        return await stations.by_ids(conn, keys)

    reader: CoalescedReader[str] = CoalescedReader(db, flaky)
    first = await asyncio.gather(reader.get("A"), reader.get("B"), return_exceptions=True)
    # The database layer turns an unreachable database into StorageUnavailable.
    assert all(isinstance(result, StorageUnavailable) for result in first)
    assert await reader.get("A") is None
    await db.close()


async def test_cancelling_a_caller_leaves_the_others_answered(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    await migrator.upgrade(db.engine)
    async with db.begin() as conn:
        await stations.insert(conn, station_row("CS-1"))
    reader: CoalescedReader[str] = CoalescedReader(db, stations.by_ids)
    gone = asyncio.create_task(reader.get("CS-1"))
    kept = asyncio.create_task(reader.get("CS-1"))
    await asyncio.sleep(0)
    gone.cancel()
    row = await kept
    assert row is not None and row["id"] == "CS-1"
    with pytest.raises(asyncio.CancelledError):
        await gone
    await db.close()
