"""Group commit: many writes share a commit, each learns its own outcome, a bad one fails alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select

from steppe.errors import AlreadyExists
from steppe.storage import migrator
from steppe.storage.db import Database
from steppe.storage.group_commit import Batch, GroupCommitter
from steppe.storage.repositories import id_tokens
from steppe.storage.tables.core import id_tokens as id_tokens_table

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def token_row(value: str) -> dict[str, object]:
    return {"id_token": value, "status": "Accepted", "created_at": NOW, "updated_at": NOW}


async def test_concurrent_writes_share_commits_and_a_duplicate_fails_alone(
    database_url: str,
) -> None:
    """200 concurrent writers, one of them a duplicate key: 199 rows land in few commits."""
    db = Database(database_url)
    await migrator.upgrade(db.engine)
    committer = GroupCommitter(db, max_batch=64)
    runner = asyncio.create_task(committer.run())

    def insert(value: str):  # type: ignore[no-untyped-def]
        async def op(batch: Batch) -> str:
            await id_tokens.insert(batch.conn, token_row(value))
            return value

        return op

    values = [f"T{i:03d}" for i in range(199)] + ["T000"]
    results = await asyncio.gather(
        *(committer.write(insert(v)) for v in values), return_exceptions=True
    )
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)

    failures = [r for r in results if isinstance(r, BaseException)]
    assert len(failures) == 1 and isinstance(failures[0], AlreadyExists)
    assert committer.operations == 199
    assert committer.batches < 100  # shared commits, not one per write
    async with db.connect() as conn:
        count = (await conn.execute(select(func.count()).select_from(id_tokens_table))).scalar_one()
    assert count == 199
    await db.close()


async def test_writes_queued_at_shutdown_are_still_committed(sqlite_url: str) -> None:
    """Cancelling the committer finishes what was already queued instead of dropping it."""
    db = Database(sqlite_url)
    await migrator.upgrade(db.engine)
    committer = GroupCommitter(db)

    async def op(batch: Batch) -> None:
        batch.insert_later(id_tokens_table, [token_row("LATE")])

    pending = asyncio.ensure_future(committer.write(op))
    await asyncio.sleep(0)  # queued, but the committer is not running yet
    runner = asyncio.create_task(committer.run())
    await asyncio.sleep(0)
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    await pending
    async with db.connect() as conn:
        assert await id_tokens.get(conn, "LATE") is not None
    await db.close()
