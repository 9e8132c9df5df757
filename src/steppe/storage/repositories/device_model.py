"""Device model variables a station reported: upserts in, filtered pages out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.tables.device_model import device_variables

KEY = (
    "station_id",
    "component",
    "component_instance",
    "evse_id",
    "connector_id",
    "variable",
    "variable_instance",
    "attribute_type",
)
DESCRIPTION = ("value", "mutability", "data_type", "unit", "updated_at")
VALUE_ONLY = ("value", "updated_at")


async def upsert(
    conn: AsyncConnection, rows: Sequence[Mapping[str, Any]], *, value_only: bool = False
) -> None:
    """Insert or overwrite rows by their key; `value_only` keeps the stored description."""
    if not rows:
        return
    unique = {tuple(row[k] for k in KEY): row for row in rows}  # last report of a key wins
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement: Any = insert(device_variables)
    changed = VALUE_ONLY if value_only else DESCRIPTION
    statement = statement.on_conflict_do_update(
        index_elements=list(KEY), set_={c: statement.excluded[c] for c in changed}
    )
    await conn.execute(statement, list(unique.values()))


async def page(
    conn: AsyncConnection,
    station_id: str,
    *,
    component: str | None = None,
    variable: str | None = None,
    after: int | None = None,
    limit: int = 200,
) -> Sequence[RowMapping]:
    """A station's variables in storage order; `after` is the id of the last row seen."""
    query = (
        select(device_variables)
        .where(device_variables.c.station_id == station_id)
        .order_by(device_variables.c.id)
        .limit(limit)
    )
    if component is not None:
        query = query.where(device_variables.c.component == component)
    if variable is not None:
        query = query.where(device_variables.c.variable == variable)
    if after is not None:
        query = query.where(device_variables.c.id > after)
    return (await conn.execute(query)).mappings().all()
