"""The pricing queue: finished transactions whose CDR is not made yet (ADR 0012).

A row is written in the same commit as the transaction's end and deleted in the same commit as
its CDR (or once no tariff applies), so a crash between the two leaves the transaction queued.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.group_commit import Batch
from steppe.storage.tables.tariffs import pricing_queue


def add_later(batch: Batch, transaction_pk: int, now: datetime) -> None:
    """Queue a finished transaction at the end of the batch (once: a second add is dropped)."""
    row = {"transaction_pk": transaction_pk, "queued_at": now, "attempts": 0, "due_at": now}
    batch.insert_later(pricing_queue, [row], skip_duplicates=True)


async def due(conn: AsyncConnection, *, now: datetime, limit: int) -> list[tuple[int, int]]:
    """(transaction, failed attempts so far) of the queued transactions due by `now`, the
    longest due first."""
    q = pricing_queue.c
    query = (
        select(q.transaction_pk, q.attempts)
        .where(q.due_at <= now)
        .order_by(q.due_at, q.transaction_pk)
        .limit(limit)
    )
    return [(int(pk), int(attempts)) for pk, attempts in (await conn.execute(query)).all()]


async def next_due(conn: AsyncConnection) -> datetime | None:
    """When the next queued transaction is due (None when the queue is empty)."""
    found: datetime | None = (await conn.execute(select(func.min(pricing_queue.c.due_at)))).scalar()
    return found


async def postpone(
    conn: AsyncConnection, transaction_pk: int, *, attempts: int, due_at: datetime
) -> None:
    """A pricing failed: count it and try again at `due_at`."""
    await conn.execute(
        update(pricing_queue)
        .where(pricing_queue.c.transaction_pk == transaction_pk)
        .values(attempts=attempts, due_at=due_at)
    )


async def remove(conn: AsyncConnection, transaction_pk: int) -> None:
    """The transaction is priced (or has nothing to price): it leaves the queue."""
    await conn.execute(
        delete(pricing_queue).where(pricing_queue.c.transaction_pk == transaction_pk)
    )
