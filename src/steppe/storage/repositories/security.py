"""Issued certificates and security events: rows in, pages out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.tables.security import issued_certificates, security_events


async def insert_event(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(security_events.insert().values(**values))


async def events_of(
    conn: AsyncConnection, station_id: str, *, before: int | None = None, limit: int = 100
) -> Sequence[RowMapping]:
    """A station's events, newest first; `before` is the id of the last one already seen."""
    query = (
        select(security_events)
        .where(security_events.c.station_id == station_id)
        .order_by(security_events.c.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(security_events.c.id < before)
    return (await conn.execute(query)).mappings().all()


async def insert_certificate(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(issued_certificates.insert().values(**values))


async def certificates_of(conn: AsyncConnection, station_id: str) -> Sequence[RowMapping]:
    query = (
        select(issued_certificates)
        .where(issued_certificates.c.station_id == station_id)
        .order_by(issued_certificates.c.id.desc())
    )
    return (await conn.execute(query)).mappings().all()
