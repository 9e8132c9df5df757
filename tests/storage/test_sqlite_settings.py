"""Every connection Steppe opens to an SQLite file runs with the settings durability and speed
rely on: the engine's (API, migrations, batches that need answers) and the writer's own."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from steppe.storage.db import Database

EXPECTED = {"journal_mode": "wal", "synchronous": 2, "wal_autocheckpoint": 10000}


async def test_engine_and_writer_connections_share_the_pragmas(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'steppe.db'}")
    try:
        async with db.engine.connect() as conn:
            engine_side = {
                name: (await conn.execute(text(f"PRAGMA {name}"))).scalar() for name in EXPECTED
            }
        assert engine_side == EXPECTED
        assert db.writer is not None
        conn = db.writer._connection()
        writer_side = {name: conn.execute(f"PRAGMA {name}").fetchone()[0] for name in EXPECTED}
        assert writer_side == EXPECTED
    finally:
        await db.close()
