"""The migrations build the schema the code expects, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from steppe.storage import migrator
from steppe.storage.db import Database
from steppe.storage.tables import metadata
from steppe.storage.tables.core import meter_values


async def test_migrated_database_matches_the_table_definitions(database_url: str) -> None:
    """Every table and column the code declares exists after `migrate`, at the head revision."""
    db = Database(database_url)
    try:
        await migrator.upgrade(db.engine)
        await migrator.upgrade(db.engine)  # a second run changes nothing and does not fail
        assert await migrator.current_revision(db.engine) == migrator.head_revision()
        async with db.connect() as conn:
            found = await conn.run_sync(
                lambda sync: {
                    table: {c["name"] for c in inspect(sync).get_columns(table)}
                    for table in inspect(sync).get_table_names()
                }
            )
        for table in metadata.sorted_tables:
            assert table.name in found, table.name
            assert {c.name for c in table.columns} == found[table.name], table.name
    finally:
        await db.close()


async def test_the_sample_key_is_reordered_with_every_sample_kept(database_url: str) -> None:
    """Migration 0006 leads the samples' unique key with the timestamp: the samples stored
    before it are all there after it, the transaction index too, and a resent sample is still
    recognised as the same one."""
    db = Database(database_url)
    try:
        await migrator.upgrade(db.engine, "0005")
        rows = [
            {
                "station_id": f"CS-{i % 3}",
                "evse_id": 1,
                "transaction_id": i % 3,
                "timestamp": datetime(2026, 11, 1, 8, 30, i, tzinfo=UTC),
                "measurand": "Energy.Active.Import.Register",
                "unit": "Wh",
                "value": str(1000 + i),
            }
            for i in range(30)
        ]
        async with db.begin() as conn:
            await conn.execute(meter_values.insert(), rows)
        await migrator.upgrade(db.engine)
        async with db.connect() as conn:
            stored = (await conn.execute(select(meter_values.c.value))).scalars().all()
            keys, indexes = await conn.run_sync(
                lambda sync: (
                    inspect(sync).get_unique_constraints("meter_values"),
                    inspect(sync).get_indexes("meter_values"),
                )
            )
        assert sorted(stored) == sorted(r["value"] for r in rows)
        (key,) = [k for k in keys if k["name"] == "uq_meter_values_sample"]
        assert key["column_names"][:3] == ["timestamp", "station_id", "evse_id"]
        assert any(i["column_names"] == ["transaction_id"] for i in indexes)
        async with db.begin() as conn:
            with pytest.raises(IntegrityError):
                await conn.execute(meter_values.insert(), [{**rows[0], "value": "resent"}])
    finally:
        await db.close()
