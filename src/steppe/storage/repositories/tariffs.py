"""Tariffs and their assignments to stations and EVSEs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.tables.tariffs import tariff_assignments, tariffs


async def get(conn: AsyncConnection, tariff_id: str) -> RowMapping | None:
    result = await conn.execute(select(tariffs).where(tariffs.c.id == tariff_id))
    return result.mappings().first()


async def list_page(
    conn: AsyncConnection, *, after: str | None = None, limit: int = 100
) -> Sequence[RowMapping]:
    query = select(tariffs).order_by(tariffs.c.id).limit(limit)
    if after is not None:
        query = query.where(tariffs.c.id > after)
    return (await conn.execute(query)).mappings().all()


async def insert(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(tariffs.insert().values(**values))


async def update(conn: AsyncConnection, tariff_id: str, values: Mapping[str, Any]) -> int:
    result = await conn.execute(tariffs.update().where(tariffs.c.id == tariff_id).values(**values))
    return int(result.rowcount)


async def delete(conn: AsyncConnection, tariff_id: str) -> int:
    result = await conn.execute(tariffs.delete().where(tariffs.c.id == tariff_id))
    return int(result.rowcount)


async def assignment_count(conn: AsyncConnection, tariff_id: str) -> int:
    query = (
        select(func.count())
        .select_from(tariff_assignments)
        .where(tariff_assignments.c.tariff_id == tariff_id)
    )
    return int((await conn.execute(query)).scalar_one())


def _evse_is(evse_id: int | None) -> Any:
    column = tariff_assignments.c.evse_id
    return column.is_(None) if evse_id is None else column == evse_id


async def add_assignment(
    conn: AsyncConnection,
    station_id: str,
    evse_id: int | None,
    tariff_id: str,
    *,
    updated_at: datetime,
) -> None:
    await conn.execute(
        tariff_assignments.insert().values(
            station_id=station_id, evse_id=evse_id, tariff_id=tariff_id, updated_at=updated_at
        )
    )


async def unassign(conn: AsyncConnection, station_id: str, evse_id: int | None) -> int:
    result = await conn.execute(
        tariff_assignments.delete().where(
            (tariff_assignments.c.station_id == station_id) & _evse_is(evse_id)
        )
    )
    return int(result.rowcount)


async def assignments_of(conn: AsyncConnection, station_id: str) -> Sequence[RowMapping]:
    query = (
        select(tariff_assignments)
        .where(tariff_assignments.c.station_id == station_id)
        .order_by(tariff_assignments.c.id)
    )
    return (await conn.execute(query)).mappings().all()
