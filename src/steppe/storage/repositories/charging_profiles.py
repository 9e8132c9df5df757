"""Charging profiles per station and EVSE: the ones Steppe set, with the station's answer, and
the ones a station reports it holds. Keyed by station, EVSE and profile id."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, delete, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.group_commit import Batch
from steppe.storage.repositories.station_reports import upsert_row, upsert_rows_later
from steppe.storage.tables.station_state import charging_profiles as table

KEYS = ("station_id", "evse_id", "profile_id")


def upsert_later(batch: Batch, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert or overwrite profiles at the end of the batch (the last one wins)."""
    upsert_rows_later(batch, table, KEYS, rows)


async def upsert(conn: AsyncConnection, row: Mapping[str, Any]) -> None:
    """The same, at once (after a station answered a command)."""
    await upsert_row(conn, table, KEYS, row)


async def remove(conn: AsyncConnection, where: Mapping[str, Any]) -> int:
    clauses = [
        table.c[name].in_(value) if isinstance(value, list | tuple) else table.c[name] == value
        for name, value in where.items()
    ]
    result = await conn.execute(delete(table).where(and_(*clauses)))
    return int(result.rowcount)


async def of_station(
    conn: AsyncConnection, station_id: str, *, source: str | None = None
) -> Sequence[RowMapping]:
    query = select(table).where(table.c.station_id == station_id)
    if source is not None:
        query = query.where(table.c.source == source)
    query = query.order_by(table.c.evse_id, table.c.profile_id)
    return (await conn.execute(query)).mappings().all()
