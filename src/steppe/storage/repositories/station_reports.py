"""What stations report and what Steppe set on them: charging reports,
display messages, variable monitors and monitoring settings, device events, customer
information, vendor data transfers. Rows in (deferred where a station waits for the answer),
pages out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, and_, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.group_commit import Batch
from steppe.storage.tables.station_state import (
    charging_reports,
    customer_information,
    data_transfers,
    display_messages,
    monitoring_settings,
    station_events,
    variable_monitors,
)

TABLES: dict[str, Table] = {
    "display_messages": display_messages,
    "variable_monitors": variable_monitors,
    "monitoring_settings": monitoring_settings,
}
KEYS = {
    "display_messages": ("station_id", "message_id"),
    "variable_monitors": ("station_id", "monitor_id"),
    "monitoring_settings": ("station_id",),
}
LOGS: dict[str, Table] = {
    "charging_reports": charging_reports,
    "station_events": station_events,
    "customer_information": customer_information,
    "data_transfers": data_transfers,
}


def upsert_later(batch: Batch, kind: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert or overwrite rows of a keyed table at the end of the batch (the last one wins)."""
    upsert_rows_later(batch, TABLES[kind], KEYS[kind], rows)


def upsert_rows_later(
    batch: Batch, table: Table, keys: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> None:
    """The same for any table keyed by `keys` (other repositories' keyed tables too)."""
    for row in rows:
        key = {name: row[name] for name in keys}
        values = {name: value for name, value in row.items() if name not in keys}
        batch.upsert_later(table, key, values, overwrite=tuple(values))


async def upsert(conn: AsyncConnection, kind: str, row: Mapping[str, Any]) -> None:
    """The same, at once, on an open connection (after a station answered a command)."""
    await upsert_row(conn, TABLES[kind], KEYS[kind], row)


async def upsert_row(
    conn: AsyncConnection, table: Table, keys: Sequence[str], row: Mapping[str, Any]
) -> None:
    """Insert or overwrite one row of any table keyed by `keys`, at once."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert(table).values(**row)
    values = [name for name in row if name not in keys]
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: statement.excluded[name] for name in values}
    )
    await conn.execute(statement)


async def remove(conn: AsyncConnection, kind: str, where: Mapping[str, Any]) -> int:
    table = TABLES[kind]
    clauses = [
        table.c[name].in_(value) if isinstance(value, list | tuple) else table.c[name] == value
        for name, value in where.items()
    ]
    result = await conn.execute(delete(table).where(and_(*clauses)))
    return int(result.rowcount)


async def keyed(conn: AsyncConnection, kind: str, station_id: str) -> Sequence[RowMapping]:
    table = TABLES[kind]
    keys = [table.c[name] for name in KEYS[kind]]
    query = select(table).where(table.c.station_id == station_id).order_by(*keys)
    return (await conn.execute(query)).mappings().all()


def log_later(batch: Batch, kind: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append rows to a log table at the end of the batch."""
    batch.insert_later(LOGS[kind], rows)


async def logged(
    conn: AsyncConnection,
    kind: str,
    station_id: str,
    *,
    where: Mapping[str, Any] | None = None,
    limit: int = 100,
) -> Sequence[RowMapping]:
    """A station's rows of a log table, newest first."""
    table = LOGS[kind]
    query = select(table).where(table.c.station_id == station_id)
    for name, value in (where or {}).items():
        query = query.where(table.c[name] == value)
    return (await conn.execute(query.order_by(table.c.id.desc()).limit(limit))).mappings().all()
