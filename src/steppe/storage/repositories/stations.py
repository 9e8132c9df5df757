"""Stations and their connectors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.errors import AlreadyExists
from steppe.storage.group_commit import Batch
from steppe.storage.tables.core import connectors, stations

Row = RowMapping
# What a connector's reported state sets (its standard, format and power stay as declared).
_CONNECTOR_STATE = ("status", "error_code", "info", "vendor_error_code", "status_at", "updated_at")


async def get(conn: AsyncConnection, station_id: str) -> Row | None:
    result = await conn.execute(select(stations).where(stations.c.id == station_id))
    return result.mappings().first()


async def by_ids(conn: AsyncConnection, station_ids: Sequence[str]) -> dict[str, Row]:
    """The rows of the given stations that exist, by id."""
    result = await conn.execute(select(stations).where(stations.c.id.in_(station_ids)))
    return {row["id"]: row for row in result.mappings()}


async def list_page(
    conn: AsyncConnection,
    *,
    after: str | None = None,
    limit: int = 100,
    filters: Mapping[str, Any] | None = None,
) -> Sequence[Row]:
    query = select(stations).order_by(stations.c.id).limit(limit)
    if after is not None:
        query = query.where(stations.c.id > after)
    for name, value in (filters or {}).items():
        query = query.where(stations.c[name] == value)
    return (await conn.execute(query)).mappings().all()


async def count(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.count()).select_from(stations))).scalar_one())


async def count_pending(conn: AsyncConnection) -> int:
    """Stations waiting for an operator to accept them."""
    query = select(func.count()).select_from(stations).where(stations.c.registration == "pending")
    return int((await conn.execute(query)).scalar_one())


async def insert(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    """Insert a station; AlreadyExists when its id is taken."""
    try:
        await conn.execute(stations.insert().values(**values))
    except IntegrityError as exc:
        raise AlreadyExists(f"station {values['id']!r} already exists") from exc


async def insert_many(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    try:
        await conn.execute(stations.insert(), list(rows))
    except IntegrityError as exc:
        raise AlreadyExists("one of the stations already exists") from exc


def update_later(batch: Batch, station_id: str, values: Mapping[str, Any]) -> None:
    """Set `values` on the station at the end of the batch (nothing when it does not exist)."""
    batch.update_later(stations, {"id": station_id}, values)


def connector_state_later(
    batch: Batch,
    station_id: str,
    evse_id: int,
    connector_id: int,
    *,
    status: str,
    error_code: str | None,
    info: str | None,
    vendor_error_code: str | None,
    status_at: datetime,
    updated_at: datetime,
) -> None:
    """Record a connector's reported state at the end of the batch, creating the connector on
    first sight; what the operator declared of it (standard, format, power) stays."""
    batch.upsert_later(
        connectors,
        {"station_id": station_id, "evse_id": evse_id, "connector_id": connector_id},
        {
            "status": status,
            "error_code": error_code,
            "info": info,
            "vendor_error_code": vendor_error_code,
            "status_at": status_at,
            "updated_at": updated_at,
        },
        overwrite=_CONNECTOR_STATE,
    )


async def update(conn: AsyncConnection, station_id: str, values: Mapping[str, Any]) -> int:
    result = await conn.execute(
        stations.update().where(stations.c.id == station_id).values(**values)
    )
    return int(result.rowcount)


async def delete(conn: AsyncConnection, station_id: str) -> int:
    await conn.execute(connectors.delete().where(connectors.c.station_id == station_id))
    result = await conn.execute(stations.delete().where(stations.c.id == station_id))
    return int(result.rowcount)


async def existing_ids(conn: AsyncConnection, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        result = await conn.execute(select(stations.c.id).where(stations.c.id.in_(chunk)))
        found.update(result.scalars().all())
    return found


async def connectors_of(conn: AsyncConnection, station_id: str) -> Sequence[Row]:
    query = (
        select(connectors)
        .where(connectors.c.station_id == station_id)
        .order_by(connectors.c.evse_id, connectors.c.connector_id)
    )
    return (await conn.execute(query)).mappings().all()


async def connectors_of_many(conn: AsyncConnection, station_ids: Sequence[str]) -> Sequence[Row]:
    if not station_ids:
        return []
    query = (
        select(connectors)
        .where(connectors.c.station_id.in_(station_ids))
        .order_by(connectors.c.station_id, connectors.c.evse_id, connectors.c.connector_id)
    )
    return (await conn.execute(query)).mappings().all()


async def upsert_connector(
    conn: AsyncConnection,
    station_id: str,
    evse_id: int,
    connector_id: int,
    values: Mapping[str, Any],
    *,
    updated_at: datetime,
) -> None:
    """Write a connector's state, creating it on first sight."""
    row = {
        "station_id": station_id,
        "evse_id": evse_id,
        "connector_id": connector_id,
        "updated_at": updated_at,
        **values,
    }
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert(connectors).values(**row)
    statement = statement.on_conflict_do_update(
        index_elements=["station_id", "evse_id", "connector_id"],
        set_={key: statement.excluded[key] for key in (*values.keys(), "updated_at")},
    )
    await conn.execute(statement)


async def delete_connector(
    conn: AsyncConnection, station_id: str, evse_id: int, connector_id: int
) -> int:
    result = await conn.execute(
        connectors.delete().where(
            (connectors.c.station_id == station_id)
            & (connectors.c.evse_id == evse_id)
            & (connectors.c.connector_id == connector_id)
        )
    )
    return int(result.rowcount)


async def versions_of(conn: AsyncConnection, station_ids: Sequence[str]) -> dict[str, str | None]:
    """Each station's last known OCPP version."""
    if not station_ids:
        return {}
    result = await conn.execute(
        select(stations.c.id, stations.c.ocpp_version).where(stations.c.id.in_(station_ids))
    )
    return {row[0]: row[1] for row in result.all()}
