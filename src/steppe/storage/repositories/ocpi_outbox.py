"""The OCPI push outbox: one row per (partner, module, object) still to push.

Rows are written as deferred upserts in the commit of the change that causes them; a newer
change of the same object only moves `version` (and the payload), so an object changing fast
keeps one row and keeps its back-off. A row is deleted after its push is answered, and only if
its version is still the one that was sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.group_commit import Batch
from steppe.storage.tables.roaming import ocpi_outbox

KEY = ("partner_id", "module", "object_id")


def add_later(batch: Batch, rows: Sequence[Mapping[str, Any]]) -> None:
    """Queue pushes at the end of the batch. A row for an object already queued moves its
    version (and `full`, `payload` when asked: a whole object asked for stays whole)."""
    for row in rows:
        overwrite: tuple[str, ...] = ("version", "payload")
        if row["full"]:
            overwrite = (*overwrite, "full")
        values = {k: v for k, v in row.items() if k not in KEY}
        batch.upsert_later(ocpi_outbox, {k: row[k] for k in KEY}, values, overwrite=overwrite)


async def add_now(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Queue pushes inside an open transaction (changes made outside the group committer)."""
    batch = Batch(conn)
    add_later(batch, rows)
    await batch.flush()


async def due(
    conn: AsyncConnection, partner_id: str, *, now: datetime, limit: int
) -> Sequence[RowMapping]:
    """The partner's rows due by `now`, oldest change first."""
    o = ocpi_outbox.c
    query = (
        select(ocpi_outbox)
        .where((o.partner_id == partner_id) & (o.due_at <= now))
        .order_by(o.version)
        .limit(limit)
    )
    return (await conn.execute(query)).mappings().all()


async def next_due(conn: AsyncConnection, partner_id: str) -> datetime | None:
    o = ocpi_outbox.c
    query = select(func.min(o.due_at)).where(o.partner_id == partner_id)
    found: datetime | None = (await conn.execute(query)).scalar()
    return found


async def of_partner(conn: AsyncConnection, partner_id: str, limit: int) -> Sequence[RowMapping]:
    o = ocpi_outbox.c
    query = select(ocpi_outbox).where(o.partner_id == partner_id).order_by(o.version).limit(limit)
    return (await conn.execute(query)).mappings().all()


async def remove_sent(conn: AsyncConnection, sent: Sequence[Mapping[str, Any]]) -> None:
    """Delete pushed rows whose version did not move since they were read."""
    if not sent:
        return
    o = ocpi_outbox.c
    statement = delete(ocpi_outbox).where(
        and_(
            o.partner_id == bindparam("k_partner"),
            o.module == bindparam("k_module"),
            o.object_id == bindparam("k_object"),
            o.version == bindparam("k_version"),
        )
    )
    await conn.execute(statement, [dict(row) for row in sent])


async def delivered_whole(conn: AsyncConnection, sent: Sequence[Mapping[str, Any]]) -> None:
    """Whole objects were delivered while they changed again: the change left to send needs
    only a PATCH."""
    if not sent:
        return
    o = ocpi_outbox.c
    statement = (
        update(ocpi_outbox)
        .where(
            and_(
                o.partner_id == bindparam("k_partner"),
                o.module == bindparam("k_module"),
                o.object_id == bindparam("k_object"),
                o.version != bindparam("k_version"),
            )
        )
        .values(full=False)
    )
    await conn.execute(statement, [dict(row) for row in sent])


async def postpone(conn: AsyncConnection, failed: Sequence[Mapping[str, Any]]) -> None:
    """Count failed attempts and set when each row is due again."""
    if not failed:
        return
    o = ocpi_outbox.c
    statement = (
        update(ocpi_outbox)
        .where(
            and_(
                o.partner_id == bindparam("k_partner"),
                o.module == bindparam("k_module"),
                o.object_id == bindparam("k_object"),
            )
        )
        .values(
            attempts=bindparam("k_attempts"),
            due_at=bindparam("k_due_at"),
            last_error=bindparam("k_error"),
        )
    )
    await conn.execute(statement, [dict(row) for row in failed])


async def drop_partner(conn: AsyncConnection, partner_id: str) -> None:
    await conn.execute(delete(ocpi_outbox).where(ocpi_outbox.c.partner_id == partner_id))
