"""Local authorization lists per station and their entries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.tables.station_state import local_list_entries, local_lists


async def get(conn: AsyncConnection, station_id: str) -> RowMapping | None:
    result = await conn.execute(select(local_lists).where(local_lists.c.station_id == station_id))
    return result.mappings().first()


async def station_ids(conn: AsyncConnection) -> list[str]:
    result = await conn.execute(select(local_lists.c.station_id).order_by(local_lists.c.station_id))
    return list(result.scalars().all())


async def insert(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(local_lists.insert().values(**values))


async def update(conn: AsyncConnection, station_id: str, values: Mapping[str, Any]) -> None:
    await conn.execute(
        local_lists.update().where(local_lists.c.station_id == station_id).values(**values)
    )


async def remove(conn: AsyncConnection, station_id: str) -> int:
    await conn.execute(
        delete(local_list_entries).where(local_list_entries.c.station_id == station_id)
    )
    result = await conn.execute(delete(local_lists).where(local_lists.c.station_id == station_id))
    return int(result.rowcount)


async def entries(conn: AsyncConnection, station_id: str) -> Sequence[RowMapping]:
    query = (
        select(local_list_entries)
        .where(local_list_entries.c.station_id == station_id)
        .order_by(local_list_entries.c.id_token)
    )
    return (await conn.execute(query)).mappings().all()


async def count_entries(conn: AsyncConnection, station_id: str) -> int:
    query = select(func.count()).where(local_list_entries.c.station_id == station_id)
    return int((await conn.execute(query)).scalar_one())


async def replace_entries(
    conn: AsyncConnection, station_id: str, rows: Sequence[Mapping[str, Any]]
) -> None:
    """A full update: the station holds exactly these."""
    await conn.execute(
        delete(local_list_entries).where(local_list_entries.c.station_id == station_id)
    )
    if rows:
        await conn.execute(local_list_entries.insert(), list(rows))


async def change_entries(
    conn: AsyncConnection,
    station_id: str,
    upserts: Sequence[Mapping[str, Any]],
    removals: Sequence[str],
) -> None:
    """A differential update: entries added or changed, entries removed."""
    touched = [row["id_token"] for row in upserts] + list(removals)
    if touched:
        await conn.execute(
            delete(local_list_entries).where(
                (local_list_entries.c.station_id == station_id)
                & local_list_entries.c.id_token.in_(touched)
            )
        )
    if upserts:
        await conn.execute(local_list_entries.insert(), list(upserts))
