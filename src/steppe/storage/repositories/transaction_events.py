"""The TransactionEvent log: which event numbers of which transaction were applied."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.tables.device_model import transaction_events


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
