"""The migrations build the schema the code expects, on SQLite and on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect

from steppe.storage import migrator
from steppe.storage.db import Database
from steppe.storage.tables import metadata


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
