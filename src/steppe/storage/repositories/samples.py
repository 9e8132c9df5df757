"""Meter samples: what chargers measured, one row per station, EVSE, time, measurand, phase,
location and context. A resent sample changes nothing; one sent again with another value is a
correction: the stored value is replaced, the old one kept beside it and the correction counted.
Signed readings are kept as received, in their own table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.group_commit import Batch
from steppe.storage.tables.core import SAMPLE_KEY, meter_values, signed_meter_values


def add_later(batch: Batch, rows: Sequence[Mapping[str, Any]]) -> None:
    """Store samples at the end of the batch. A sample already stored with the same key and
    value is a resend and changes nothing; with another value it is a correction. Within one
    call the last sample of a key wins (one statement may not touch a row twice)."""
    if len(rows) > 1:
        by_key = {tuple(row[name] for name in SAMPLE_KEY): row for row in rows}
        if len(by_key) != len(rows):
            rows = list(by_key.values())
    batch.revise_later(meter_values, SAMPLE_KEY, rows, revised=("value",))


def add_signed_later(batch: Batch, rows: Sequence[Mapping[str, Any]]) -> None:
    """Store signed readings as received, at the end of the batch."""
    batch.insert_later(signed_meter_values, rows)


async def signed_of(conn: AsyncConnection, transaction_pk: int) -> Sequence[RowMapping]:
    """A transaction's signed readings, oldest first."""
    result = await conn.execute(
        select(signed_meter_values)
        .where(signed_meter_values.c.transaction_id == transaction_pk)
        .order_by(signed_meter_values.c.timestamp, signed_meter_values.c.id)
    )
    return result.mappings().all()


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
