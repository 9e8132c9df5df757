"""Charging transactions (their samples are in `samples.py`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.tables.core import meter_values, transactions
from steppe.types import TransactionStatus

ACTIVE = TransactionStatus.ACTIVE.value


async def insert(conn: AsyncConnection, values: Mapping[str, Any]) -> int:
    """Insert a transaction and return its numeric id."""
    result = await conn.execute(transactions.insert().values(**values).returning(transactions.c.id))
    return int(result.scalar_one())


async def get(conn: AsyncConnection, pk: int) -> RowMapping | None:
    result = await conn.execute(select(transactions).where(transactions.c.id == pk))
    return result.mappings().first()


async def get_by_ocpp_id(conn: AsyncConnection, station_id: str, ocpp_id: str) -> RowMapping | None:
    result = await conn.execute(
        select(transactions).where(
            (transactions.c.station_id == station_id) & (transactions.c.ocpp_id == ocpp_id)
        )
    )
    return result.mappings().first()


async def get_by_station_tx_id(
    conn: AsyncConnection, station_id: str, station_tx_id: str
) -> RowMapping | None:
    """The newest transaction a 1.6 station numbered itself (it ran offline) with this id."""
    result = await conn.execute(
        select(transactions)
        .where(
            (transactions.c.station_id == station_id)
            & (transactions.c.station_tx_id == station_tx_id)
        )
        .order_by(transactions.c.id.desc())
        .limit(1)
    )
    return result.mappings().first()


async def find_offline_stop(
    conn: AsyncConnection, station_id: str, station_tx_id: str, stopped_at: datetime
) -> RowMapping | None:
    """The transaction an earlier copy of this offline stop (same station id, same end) made."""
    result = await conn.execute(
        select(transactions).where(
            (transactions.c.station_id == station_id)
            & (transactions.c.station_tx_id == station_tx_id)
            & (transactions.c.stopped_at == stopped_at)
        )
    )
    return result.mappings().first()


async def find_by_api_id(conn: AsyncConnection, api_id: str) -> RowMapping | None:
    """A transaction by the id the API shows (the charger's id; 1.6 ids are numbers)."""
    result = await conn.execute(
        select(transactions).where(transactions.c.ocpp_id == api_id).order_by(transactions.c.id)
    )
    return result.mappings().first()


async def find_start(
    conn: AsyncConnection,
    station_id: str,
    evse_id: int,
    started_at: datetime,
    meter_start_wh: int | None,
) -> RowMapping | None:
    """The transaction a resent start message already created, if any."""
    result = await conn.execute(
        select(transactions).where(
            (transactions.c.station_id == station_id)
            & (transactions.c.evse_id == evse_id)
            & (transactions.c.started_at == started_at)
            & (transactions.c.meter_start_wh == meter_start_wh)
        )
    )
    return result.mappings().first()


async def update(conn: AsyncConnection, pk: int, values: Mapping[str, Any]) -> int:
    result = await conn.execute(
        transactions.update().where(transactions.c.id == pk).values(**values)
    )
    return int(result.rowcount)


async def list_page(
    conn: AsyncConnection,
    *,
    station_id: str | None = None,
    id_token: str | None = None,
    status: str | None = None,
    started_from: datetime | None = None,
    started_to: datetime | None = None,
    before_pk: int | None = None,
    limit: int = 50,
) -> Sequence[RowMapping]:
    """Newest first; `before_pk` continues a previous page."""
    query = select(transactions).order_by(transactions.c.id.desc()).limit(limit)
    conditions = {
        transactions.c.station_id: station_id,
        transactions.c.id_token: id_token,
        transactions.c.status: status,
    }
    for column, value in conditions.items():
        if value is not None:
            query = query.where(column == value)
    if started_from is not None:
        query = query.where(transactions.c.started_at >= started_from)
    if started_to is not None:
        query = query.where(transactions.c.started_at < started_to)
    if before_pk is not None:
        query = query.where(transactions.c.id < before_pk)
    return (await conn.execute(query)).mappings().all()


async def count_active(conn: AsyncConnection) -> int:
    query = select(func.count()).select_from(transactions).where(transactions.c.status == ACTIVE)
    return int((await conn.execute(query)).scalar_one())


async def stale_active(conn: AsyncConnection, *, seen_before: datetime) -> Sequence[RowMapping]:
    """Active transactions with no news since `seen_before`: no change and no recent sample."""
    recent_sample = (
        select(meter_values.c.id)
        .where(
            (meter_values.c.transaction_id == transactions.c.id)
            & (meter_values.c.timestamp >= seen_before)
        )
        .exists()
    )
    result = await conn.execute(
        select(transactions).where(
            (transactions.c.status == ACTIVE)
            & (transactions.c.updated_at < seen_before)
            & ~recent_sample
        )
    )
    return result.mappings().all()


async def replace_tokens(conn: AsyncConnection, id_tokens: Sequence[str], new: str) -> list[int]:
    """Put `new` in place of any of `id_tokens` (start and stop token); the pks changed."""
    if not id_tokens:
        return []
    chosen = list(id_tokens)
    query = select(transactions.c.id).where(
        transactions.c.id_token.in_(chosen) | transactions.c.stop_id_token.in_(chosen)
    )
    pks = [int(pk) for pk in (await conn.execute(query)).scalars().all()]
    await conn.execute(
        transactions.update().where(transactions.c.id_token.in_(chosen)).values(id_token=new)
    )
    await conn.execute(
        transactions.update()
        .where(transactions.c.stop_id_token.in_(chosen))
        .values(stop_id_token=new)
    )
    return pks
