"""OCPP 2.1 notices in and out (DER control, battery swaps, priority charging, dynamic
schedules, periodic event stream data) and the periodic event streams stations open."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.group_commit import Batch
from steppe.storage.tables.charger_side import event_streams, station_notices


def add_later(batch: Batch, rows: Sequence[Mapping[str, Any]]) -> None:
    batch.insert_later(station_notices, rows)


async def page(
    conn: AsyncConnection,
    station_id: str,
    *,
    kind: str | None = None,
    ref: str | None = None,
    limit: int = 100,
) -> list[RowMapping]:
    """A station's notices, newest first."""
    query = select(station_notices).where(station_notices.c.station_id == station_id)
    if kind is not None:
        query = query.where(station_notices.c.kind == kind)
    if ref is not None:
        query = query.where(station_notices.c.ref == ref)
    query = query.order_by(station_notices.c.id.desc()).limit(limit)
    return list((await conn.execute(query)).mappings().all())


async def open_stream(conn: AsyncConnection, row: Mapping[str, Any]) -> None:
    """Open (or reopen, with new parameters) a station's stream."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert(event_streams).values(**row)
    changed = [name for name in row if name not in ("station_id", "stream_id")]
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=["station_id", "stream_id"],
            set_={name: statement.excluded[name] for name in changed},
        )
    )


async def change_stream(
    conn: AsyncConnection, station_id: str, stream_id: int, values: Mapping[str, Any]
) -> int:
    result = await conn.execute(
        update(event_streams)
        .where(event_streams.c.station_id == station_id, event_streams.c.stream_id == stream_id)
        .values(**values)
    )
    return int(result.rowcount)


async def stream_data(
    conn: AsyncConnection, station_id: str, stream_id: int, points: int, at: datetime
) -> int:
    """Count `points` more data points on a stream; 0 when the stream is unknown."""
    result = await conn.execute(
        update(event_streams)
        .where(event_streams.c.station_id == station_id, event_streams.c.stream_id == stream_id)
        .values(data_points=event_streams.c.data_points + points, last_data_at=at)
    )
    return int(result.rowcount)


async def streams(conn: AsyncConnection, station_id: str) -> list[RowMapping]:
    query = (
        select(event_streams)
        .where(event_streams.c.station_id == station_id)
        .order_by(event_streams.c.stream_id)
    )
    return list((await conn.execute(query)).mappings().all())
