"""Device model variables a station reported: upserts in, filtered pages out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.group_commit import Batch
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


def upsert_later(
    batch: Batch, rows: Sequence[Mapping[str, Any]], *, value_only: bool = False
) -> None:
    """Insert or overwrite rows by their key at the end of the batch, in order (the last report
    of a key wins); `value_only` keeps the stored description."""
    changed = VALUE_ONLY if value_only else DESCRIPTION
    for row in rows:
        key = {name: row[name] for name in KEY}
        values = {name: row[name] for name in DESCRIPTION}
        batch.upsert_later(device_variables, key, values, overwrite=changed)


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
