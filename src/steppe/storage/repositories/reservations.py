"""Reservations: rows in, filtered pages out, the open ones due to expire."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.tables.station_state import reservations

OPEN = ("requested", "active")


async def get(conn: AsyncConnection, reservation_id: int) -> RowMapping | None:
    result = await conn.execute(select(reservations).where(reservations.c.id == reservation_id))
    return result.mappings().first()


async def insert(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(reservations.insert().values(**values))


async def update(conn: AsyncConnection, reservation_id: int, values: Mapping[str, Any]) -> int:
    result = await conn.execute(
        reservations.update().where(reservations.c.id == reservation_id).values(**values)
    )
    return int(result.rowcount)


async def open_for(
    conn: AsyncConnection, station_id: str, id_token: str | None
) -> Sequence[RowMapping]:
    """A station's open reservations, for this token (or every token when None), oldest first."""
    query = select(reservations).where(
        (reservations.c.station_id == station_id) & reservations.c.status.in_(OPEN)
    )
    if id_token is not None:
        query = query.where(
            (reservations.c.id_token == id_token) | (reservations.c.group_id_token == id_token)
        )
    return (await conn.execute(query.order_by(reservations.c.id))).mappings().all()


async def due(conn: AsyncConnection, now: datetime) -> Sequence[RowMapping]:
    """Open reservations whose expiry has passed."""
    query = select(reservations).where(
        reservations.c.status.in_(OPEN) & (reservations.c.expires_at <= now)
    )
    return (await conn.execute(query)).mappings().all()


async def page(
    conn: AsyncConnection,
    *,
    station_id: str | None = None,
    status: str | None = None,
    limit: int = 100,
) -> Sequence[RowMapping]:
    """Newest first (by creation)."""
    query = select(reservations).order_by(reservations.c.created_at.desc(), reservations.c.id)
    if station_id is not None:
        query = query.where(reservations.c.station_id == station_id)
    if status is not None:
        query = query.where(reservations.c.status == status)
    return (await conn.execute(query.limit(limit))).mappings().all()
