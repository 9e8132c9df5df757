"""The TransactionEvent log and the register readings the event rules work from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.tables.core import meter_values
from steppe.storage.tables.device_model import transaction_events

ENERGY_REGISTER = "Energy.Active.Import.Register"


async def seen(conn: AsyncConnection, station_id: str, ocpp_id: str, seq_no: int) -> bool:
    """Whether this event number of this transaction was already applied."""
    query = select(
        exists().where(
            (transaction_events.c.station_id == station_id)
            & (transaction_events.c.transaction_ocpp_id == ocpp_id)
            & (transaction_events.c.seq_no == seq_no)
        )
    )
    return bool((await conn.execute(query)).scalar_one())


async def has_kind(conn: AsyncConnection, station_id: str, ocpp_id: str, event_type: str) -> bool:
    query = select(
        exists().where(
            (transaction_events.c.station_id == station_id)
            & (transaction_events.c.transaction_ocpp_id == ocpp_id)
            & (transaction_events.c.event_type == event_type)
        )
    )
    return bool((await conn.execute(query)).scalar_one())


async def insert(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(transaction_events.insert().values(**values))


async def insert_samples(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Store samples now (not at the end of the batch), dropping ones already stored."""
    if not rows:
        return
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    await conn.execute(insert(meter_values).on_conflict_do_nothing(), list(rows))


async def register_readings(
    conn: AsyncConnection, transaction_pk: int
) -> list[tuple[datetime, str, str, str]]:
    """(timestamp, context, unit, value) of the whole-meter energy register samples."""
    query = (
        select(
            meter_values.c.timestamp,
            meter_values.c.context,
            meter_values.c.unit,
            meter_values.c.value,
        )
        .where(
            (meter_values.c.transaction_id == transaction_pk)
            & (meter_values.c.measurand == ENERGY_REGISTER)
            & (meter_values.c.phase == "")
        )
        .order_by(meter_values.c.timestamp, meter_values.c.id)
    )
    return [(r[0], r[1], r[2], r[3]) for r in (await conn.execute(query)).all()]
