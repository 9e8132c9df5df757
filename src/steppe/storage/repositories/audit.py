"""The command audit log: a row when a command leaves, its outcome when it is settled."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.tables.operator import audit_log


async def insert(conn: AsyncConnection, values: Mapping[str, Any]) -> int:
    result = await conn.execute(audit_log.insert().values(**values).returning(audit_log.c.id))
    return int(result.scalar_one())


async def settle(conn: AsyncConnection, entry_id: int, values: Mapping[str, Any]) -> None:
    await conn.execute(audit_log.update().where(audit_log.c.id == entry_id).values(**values))


async def page(
    conn: AsyncConnection,
    *,
    station_id: str | None = None,
    actor: str | None = None,
    command: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before: int | None = None,
    limit: int = 100,
) -> Sequence[RowMapping]:
    """Newest first; `before` is the id of the last entry already seen."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    for column, value in (
        (audit_log.c.station_id, station_id),
        (audit_log.c.actor, actor),
        (audit_log.c.command, command),
        (audit_log.c.outcome, outcome),
    ):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(audit_log.c.at >= since)
    if until is not None:
        query = query.where(audit_log.c.at < until)
    if before is not None:
        query = query.where(audit_log.c.id < before)
    return (await conn.execute(query)).mappings().all()
