"""The cost a station calculated for a transaction, and its comparison with the CDR."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.tables.charger_side import charger_costs


async def put(conn: AsyncConnection, row: Mapping[str, Any]) -> None:
    """Insert or replace the station's cost of a transaction (a resent Ended replaces it)."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert(charger_costs).values(**row)
    changed = [name for name in row if name != "transaction_pk"]
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=["transaction_pk"],
            set_={name: statement.excluded[name] for name in changed},
        )
    )


async def get(conn: AsyncConnection, transaction_pk: int) -> RowMapping | None:
    query = select(charger_costs).where(charger_costs.c.transaction_pk == transaction_pk)
    return (await conn.execute(query)).mappings().first()


async def set_verdict(
    conn: AsyncConnection,
    transaction_pk: int,
    *,
    verdict: str,
    cdr_id: str,
    difference: str | None,
) -> None:
    await conn.execute(
        update(charger_costs)
        .where(charger_costs.c.transaction_pk == transaction_pk)
        .values(verdict=verdict, cdr_id=cdr_id, difference=difference)
    )


async def page(
    conn: AsyncConnection, *, verdict: str | None, station_id: str | None, limit: int
) -> list[RowMapping]:
    """Newest transactions first."""
    query = select(charger_costs)
    if verdict is not None:
        query = query.where(charger_costs.c.verdict == verdict)
    if station_id is not None:
        query = query.where(charger_costs.c.station_id == station_id)
    query = query.order_by(charger_costs.c.transaction_pk.desc()).limit(limit)
    return list((await conn.execute(query)).mappings().all())
