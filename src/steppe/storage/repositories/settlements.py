"""Payments settled at a station's terminal (OCPP 2.1 NotifySettlement)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.tables.charger_side import settlements


async def add(conn: AsyncConnection, row: Mapping[str, Any]) -> int:
    result = await conn.execute(insert(settlements).values(**row))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


async def of_transactions(
    conn: AsyncConnection, transaction_pks: Sequence[int]
) -> list[RowMapping]:
    query = (
        select(settlements)
        .where(settlements.c.transaction_pk.in_(list(transaction_pks)))
        .order_by(settlements.c.id)
    )
    return list((await conn.execute(query)).mappings().all())


async def of_station(conn: AsyncConnection, station_id: str, *, limit: int) -> list[RowMapping]:
    query = (
        select(settlements)
        .where(settlements.c.station_id == station_id)
        .order_by(settlements.c.id.desc())
        .limit(limit)
    )
    return list((await conn.execute(query)).mappings().all())
