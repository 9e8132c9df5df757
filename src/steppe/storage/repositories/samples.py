"""Meter samples: what chargers measured, one row per station, EVSE, time, measurand, phase,
location and context (a resent sample is dropped by that unique key)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.group_commit import Batch
from steppe.storage.tables.core import meter_values


def add_later(batch: Batch, rows: Sequence[Mapping[str, Any]]) -> None:
    """Store samples at the end of the batch; one already stored (same key) is dropped."""
    batch.insert_later(meter_values, rows, skip_duplicates=True)


async def of_transaction(conn: AsyncConnection, transaction_pk: int) -> Sequence[RowMapping]:
    """Every sample of a transaction, oldest first."""
    result = await conn.execute(
        select(meter_values)
        .where(meter_values.c.transaction_id == transaction_pk)
        .order_by(meter_values.c.timestamp, meter_values.c.id)
    )
    return result.mappings().all()


async def whole_meter_readings(
    conn: AsyncConnection, transaction_pk: int, measurand: str
) -> Sequence[RowMapping]:
    """A transaction's samples of one measurand on no particular phase, oldest first."""
    query = (
        select(meter_values)
        .where(
            (meter_values.c.transaction_id == transaction_pk)
            & (meter_values.c.measurand == measurand)
            & (meter_values.c.phase == "")
        )
        .order_by(meter_values.c.timestamp, meter_values.c.id)
    )
    return (await conn.execute(query)).mappings().all()
