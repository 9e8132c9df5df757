"""The drivers' mail outbox, and the CDRs whose receipts are still to be mailed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.tables.core import transactions
from steppe.storage.tables.drivers import (
    driver_accounts,
    driver_mail,
    driver_receipts,
    driver_tokens,
)
from steppe.storage.tables.tariffs import cdrs


async def add(conn: AsyncConnection, values: Mapping[str, Any]) -> int:
    result = await conn.execute(driver_mail.insert().values(**values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


async def due(conn: AsyncConnection, *, now: datetime, limit: int) -> Sequence[RowMapping]:
    query = (
        select(driver_mail)
        .where(driver_mail.c.sent_at.is_(None) & (driver_mail.c.due_at <= now))
        .order_by(driver_mail.c.due_at, driver_mail.c.id)
        .limit(limit)
    )
    return (await conn.execute(query)).mappings().all()


async def next_due(conn: AsyncConnection) -> datetime | None:
    query = select(func.min(driver_mail.c.due_at)).where(driver_mail.c.sent_at.is_(None))
    found: datetime | None = (await conn.execute(query)).scalar_one_or_none()
    return found


async def mark_sent(conn: AsyncConnection, mail_id: int, at: datetime) -> None:
    """Sent: the row stays as a record, without the body (it may hold a one-time link)."""
    await conn.execute(
        driver_mail.update()
        .where(driver_mail.c.id == mail_id)
        .values(sent_at=at, body="", html=None, error=None)
    )


async def postpone(
    conn: AsyncConnection, mail_id: int, *, attempts: int, due_at: datetime, error: str
) -> None:
    await conn.execute(
        driver_mail.update()
        .where(driver_mail.c.id == mail_id)
        .values(attempts=attempts, due_at=due_at, error=error[:300])
    )


async def awaiting_receipt(
    conn: AsyncConnection, *, stopped_since: datetime, limit: int
) -> Sequence[RowMapping]:
    """CDRs of transactions started with a token of a confirmed account, made after the token
    was added, whose receipt was not queued yet: cdr_id, transaction_pk, account_id."""
    query = (
        select(
            cdrs.c.id.label("cdr_id"),
            cdrs.c.transaction_pk,
            driver_tokens.c.account_id,
        )
        .join(transactions, transactions.c.id == cdrs.c.transaction_pk)
        .join(driver_tokens, driver_tokens.c.id_token == transactions.c.id_token)
        .join(driver_accounts, driver_accounts.c.id == driver_tokens.c.account_id)
        .outerjoin(driver_receipts, driver_receipts.c.cdr_id == cdrs.c.id)
        .where(
            driver_receipts.c.cdr_id.is_(None)
            & (cdrs.c.stopped_at >= stopped_since)
            & (cdrs.c.created_at >= driver_tokens.c.created_at)
            & (driver_accounts.c.confirmed_at.is_not(None))
        )
        .order_by(cdrs.c.stopped_at)
        .limit(limit)
    )
    return (await conn.execute(query)).mappings().all()


async def add_receipt(conn: AsyncConnection, values: Mapping[str, Any]) -> bool:
    """Note a CDR's receipt as queued; False when it already was."""
    try:
        async with conn.begin_nested():
            await conn.execute(driver_receipts.insert().values(**values))
    except IntegrityError:
        return False
    return True


async def count_to(conn: AsyncConnection, to_address: str, *, since: datetime) -> int:
    """How many mails were queued for an address since a moment."""
    query = select(func.count()).where(
        (driver_mail.c.to_address == to_address) & (driver_mail.c.created_at >= since)
    )
    return int((await conn.execute(query)).scalar_one())
