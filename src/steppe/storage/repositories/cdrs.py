"""Charge detail records: one per finished transaction."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.tables.tariffs import cdrs


async def insert_once(conn: AsyncConnection, values: Mapping[str, Any]) -> bool:
    """Insert a CDR unless its transaction already has one; True when this one was written."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert(cdrs).values(**values).on_conflict_do_nothing()
    result = await conn.execute(statement)
    return bool(result.rowcount)


async def get(conn: AsyncConnection, cdr_id: str) -> RowMapping | None:
    return (await conn.execute(select(cdrs).where(cdrs.c.id == cdr_id))).mappings().first()


async def of_transaction(conn: AsyncConnection, transaction_pk: int) -> RowMapping | None:
    query = select(cdrs).where(cdrs.c.transaction_pk == transaction_pk)
    return (await conn.execute(query)).mappings().first()


async def totals_of(
    conn: AsyncConnection, transaction_pks: Sequence[int]
) -> dict[int, tuple[str, str, str]]:
    """(currency, excl. VAT, incl. VAT) of the CDRs of these transactions."""
    if not transaction_pks:
        return {}
    query = select(
        cdrs.c.transaction_pk, cdrs.c.currency, cdrs.c.total_excl_vat, cdrs.c.total_incl_vat
    ).where(cdrs.c.transaction_pk.in_(list(transaction_pks)))
    rows = (await conn.execute(query)).all()
    return {int(row[0]): (row[1], row[2], row[3]) for row in rows}


async def list_page(
    conn: AsyncConnection,
    *,
    station_id: str | None = None,
    stopped_from: datetime | None = None,
    stopped_to: datetime | None = None,
    before_pk: int | None = None,
    limit: int = 50,
) -> Sequence[RowMapping]:
    """Newest transaction first; `before_pk` continues a previous page."""
    query = select(cdrs).order_by(cdrs.c.transaction_pk.desc()).limit(limit)
    if station_id is not None:
        query = query.where(cdrs.c.station_id == station_id)
    if stopped_from is not None:
        query = query.where(cdrs.c.stopped_at >= stopped_from)
    if stopped_to is not None:
        query = query.where(cdrs.c.stopped_at < stopped_to)
    if before_pk is not None:
        query = query.where(cdrs.c.transaction_pk < before_pk)
    return (await conn.execute(query)).mappings().all()


async def replace_token(conn: AsyncConnection, transaction_pks: Sequence[int], new: str) -> int:
    """Put `new` as the id token in the bodies of these transactions' CDRs; how many changed."""
    changed = 0
    for start in range(0, len(transaction_pks), 500):
        chunk = list(transaction_pks[start : start + 500])
        query = select(cdrs.c.id, cdrs.c.body).where(cdrs.c.transaction_pk.in_(chunk))
        for cdr_id, body in (await conn.execute(query)).all():
            data = json.loads(body)
            data["id_token"] = new
            await conn.execute(
                cdrs.update()
                .where(cdrs.c.id == cdr_id)
                .values(body=json.dumps(data, separators=(",", ":")))
            )
            changed += 1
    return changed
