"""Issued certificates and security events: rows in, pages out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.group_commit import Batch
from steppe.storage.tables.security import issued_certificates, security_events


def add_event_later(batch: Batch, values: Mapping[str, Any]) -> None:
    """Store a station's security event at the end of the batch."""
    batch.insert_later(security_events, [values])


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


def add_certificate_later(batch: Batch, values: Mapping[str, Any]) -> None:
    """Record a certificate Steppe issued, at the end of the batch."""
    batch.insert_later(issued_certificates, [values])


async def certificates_of(conn: AsyncConnection, station_id: str) -> Sequence[RowMapping]:
    query = (
        select(issued_certificates)
        .where(issued_certificates.c.station_id == station_id)
        .order_by(issued_certificates.c.id.desc())
    )
    return (await conn.execute(query)).mappings().all()


async def by_serial(conn: AsyncConnection, serial_hex: str, kind: str) -> RowMapping | None:
    """A certificate Steppe issued, by its serial (hex, no leading zeros) and the CA's kind."""
    query = select(issued_certificates).where(
        (issued_certificates.c.serial == serial_hex.lower().lstrip("0"))
        & (issued_certificates.c.kind == kind)
    )
    return (await conn.execute(query)).mappings().first()


async def revoke(conn: AsyncConnection, serial_hex: str, at: Any) -> int:
    result = await conn.execute(
        issued_certificates.update()
        .where(issued_certificates.c.serial == serial_hex.lower().lstrip("0"))
        .values(revoked_at=at)
    )
    return int(result.rowcount)
