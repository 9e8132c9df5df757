"""The pricing queue: finished transactions whose CDR is not made yet (ADR 0012).

A row is written in the same commit as the transaction's end and deleted in the same commit as
its CDR (or once no tariff applies), so a crash between the two leaves the transaction queued.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import RowMapping
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
        .where((q.due_at <= now) & q.failed_at.is_(None))
        .order_by(q.due_at, q.transaction_pk)
        .limit(limit)
    )
    return [(int(pk), int(attempts)) for pk, attempts in (await conn.execute(query)).all()]


async def next_due(conn: AsyncConnection) -> datetime | None:
    """When the next queued transaction is due (None when the queue is empty)."""
    query = select(func.min(pricing_queue.c.due_at)).where(pricing_queue.c.failed_at.is_(None))
    found: datetime | None = (await conn.execute(query)).scalar()
    return found


async def postpone(
    conn: AsyncConnection, transaction_pk: int, *, attempts: int, due_at: datetime, error: str
) -> None:
    """A pricing failed: count it, keep why, and try again at `due_at`."""
    await conn.execute(
        update(pricing_queue)
        .where(pricing_queue.c.transaction_pk == transaction_pk)
        .values(attempts=attempts, due_at=due_at, last_error=error[:1000])
    )


async def give_up(
    conn: AsyncConnection, transaction_pk: int, *, attempts: int, at: datetime, error: str
) -> None:
    """A pricing failed in a way trying again cannot change: out of the rotation, with why."""
    await conn.execute(
        update(pricing_queue)
        .where(pricing_queue.c.transaction_pk == transaction_pk)
        .values(attempts=attempts, failed_at=at, last_error=error[:1000])
    )


async def states_of(conn: AsyncConnection, transaction_pks: Sequence[int]) -> list[RowMapping]:
    """The queue rows of these transactions (those still waiting for, or failing, pricing)."""
    if not transaction_pks:
        return []
    q = pricing_queue.c
    query = select(q.transaction_pk, q.attempts, q.last_error, q.failed_at, q.due_at).where(
        q.transaction_pk.in_(list(transaction_pks))
    )
    return list((await conn.execute(query)).mappings().all())


async def remove(conn: AsyncConnection, transaction_pk: int) -> None:
    """The transaction is priced (or has nothing to price): it leaves the queue."""
    await conn.execute(
        delete(pricing_queue).where(pricing_queue.c.transaction_pk == transaction_pk)
    )
