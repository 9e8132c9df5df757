"""Drivers' accounts, their sessions, tokens, cars and start requests; and the transactions
their tokens made, read from the transactions table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.errors import AlreadyExists
from steppe.storage.tables.core import meter_values, transactions
from steppe.storage.tables.drivers import (
    driver_accounts,
    driver_sessions,
    driver_starts,
    driver_tokens,
    driver_vehicles,
)

# --- accounts ------------------------------------------------------------------------------------


async def insert(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    try:
        await conn.execute(driver_accounts.insert().values(**values))
    except IntegrityError as exc:
        raise AlreadyExists("an account with this email already exists") from exc


async def get(conn: AsyncConnection, account_id: str) -> RowMapping | None:
    query = select(driver_accounts).where(driver_accounts.c.id == account_id)
    return (await conn.execute(query)).mappings().first()


async def by_email(conn: AsyncConnection, email: str) -> RowMapping | None:
    query = select(driver_accounts).where(driver_accounts.c.email == email)
    return (await conn.execute(query)).mappings().first()


async def by_link(conn: AsyncConnection, column: str, digest: str) -> RowMapping | None:
    """The account whose confirmation (`confirm_hash`) or reset (`reset_hash`) link this is."""
    query = select(driver_accounts).where(driver_accounts.c[column] == digest)
    return (await conn.execute(query)).mappings().first()


async def update(conn: AsyncConnection, account_id: str, values: Mapping[str, Any]) -> int:
    result = await conn.execute(
        driver_accounts.update().where(driver_accounts.c.id == account_id).values(**values)
    )
    return int(result.rowcount)


async def delete(conn: AsyncConnection, account_id: str) -> int:
    result = await conn.execute(driver_accounts.delete().where(driver_accounts.c.id == account_id))
    return int(result.rowcount)


async def list_page(
    conn: AsyncConnection, *, after: str | None, limit: int, status: str | None
) -> Sequence[RowMapping]:
    query = select(driver_accounts).order_by(driver_accounts.c.email).limit(limit)
    if after is not None:
        query = query.where(driver_accounts.c.email > after)
    if status is not None:
        query = query.where(driver_accounts.c.status == status)
    return (await conn.execute(query)).mappings().all()


# --- sessions ------------------------------------------------------------------------------------


async def add_session(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(driver_sessions.insert().values(**values))


async def session_with_account(conn: AsyncConnection, session_id: str) -> RowMapping | None:
    query = (
        select(
            driver_sessions.c.created_at.label("session_created_at"),
            driver_sessions.c.last_seen_at.label("session_last_seen_at"),
            driver_accounts,
        )
        .join(driver_accounts, driver_accounts.c.id == driver_sessions.c.account_id)
        .where(driver_sessions.c.id == session_id)
    )
    return (await conn.execute(query)).mappings().first()


async def touch_session(conn: AsyncConnection, session_id: str, at: Any) -> None:
    await conn.execute(
        driver_sessions.update().where(driver_sessions.c.id == session_id).values(last_seen_at=at)
    )


async def delete_session(conn: AsyncConnection, session_id: str) -> None:
    await conn.execute(driver_sessions.delete().where(driver_sessions.c.id == session_id))


async def delete_sessions_of(conn: AsyncConnection, account_id: str) -> int:
    result = await conn.execute(
        driver_sessions.delete().where(driver_sessions.c.account_id == account_id)
    )
    return int(result.rowcount)


# --- tokens and cars -----------------------------------------------------------------------------


async def add_token(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    try:
        await conn.execute(driver_tokens.insert().values(**values))
    except IntegrityError as exc:
        raise AlreadyExists(f"id token {values['id_token']!r} belongs to an account") from exc


async def tokens_of(conn: AsyncConnection, account_id: str) -> Sequence[RowMapping]:
    query = (
        select(driver_tokens)
        .where(driver_tokens.c.account_id == account_id)
        .order_by(driver_tokens.c.created_at, driver_tokens.c.id_token)
    )
    return (await conn.execute(query)).mappings().all()


async def token_owner(conn: AsyncConnection, id_token: str) -> str | None:
    query = select(driver_tokens.c.account_id).where(driver_tokens.c.id_token == id_token)
    return (await conn.execute(query)).scalar_one_or_none()


async def delete_token(conn: AsyncConnection, account_id: str, id_token: str) -> int:
    result = await conn.execute(
        driver_tokens.delete().where(
            (driver_tokens.c.account_id == account_id) & (driver_tokens.c.id_token == id_token)
        )
    )
    return int(result.rowcount)


async def add_vehicle(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(driver_vehicles.insert().values(**values))


async def vehicles_of(conn: AsyncConnection, account_id: str) -> Sequence[RowMapping]:
    query = (
        select(driver_vehicles)
        .where(driver_vehicles.c.account_id == account_id)
        .order_by(driver_vehicles.c.id)
    )
    return (await conn.execute(query)).mappings().all()


async def delete_vehicle(conn: AsyncConnection, account_id: str, row_id: int) -> int:
    result = await conn.execute(
        driver_vehicles.delete().where(
            (driver_vehicles.c.account_id == account_id) & (driver_vehicles.c.id == row_id)
        )
    )
    return int(result.rowcount)


# --- starts and the transactions of an account's tokens ------------------------------------------


async def add_start(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(driver_starts.insert().values(**values))


async def get_start(conn: AsyncConnection, start_id: str) -> RowMapping | None:
    query = select(driver_starts).where(driver_starts.c.id == start_id)
    return (await conn.execute(query)).mappings().first()


async def settle_start(conn: AsyncConnection, start_id: str, values: Mapping[str, Any]) -> None:
    await conn.execute(
        driver_starts.update().where(driver_starts.c.id == start_id).values(**values)
    )


async def starts_of(conn: AsyncConnection, account_id: str) -> Sequence[RowMapping]:
    query = (
        select(driver_starts)
        .where(driver_starts.c.account_id == account_id)
        .order_by(driver_starts.c.requested_at.desc())
    )
    return (await conn.execute(query)).mappings().all()


async def last_transaction_pk(conn: AsyncConnection) -> int:
    found = (await conn.execute(select(func.max(transactions.c.id)))).scalar_one_or_none()
    return int(found or 0)


async def transaction_after(
    conn: AsyncConnection, station_id: str, evse_id: int, id_token: str, after_pk: int
) -> RowMapping | None:
    """The first transaction on that EVSE with that token stored after `after_pk`."""
    query = (
        select(transactions)
        .where(
            (transactions.c.id > after_pk)
            & (transactions.c.station_id == station_id)
            & (transactions.c.evse_id == evse_id)
            & (transactions.c.id_token == id_token)
        )
        .order_by(transactions.c.id)
        .limit(1)
    )
    return (await conn.execute(query)).mappings().first()


async def transactions_of(
    conn: AsyncConnection, id_tokens: Sequence[str], *, limit: int, before_pk: int | None = None
) -> Sequence[RowMapping]:
    """Transactions started with any of these tokens, newest first."""
    if not id_tokens:
        return []
    query = (
        select(transactions)
        .where(transactions.c.id_token.in_(list(id_tokens)))
        .order_by(transactions.c.id.desc())
        .limit(limit)
    )
    if before_pk is not None:
        query = query.where(transactions.c.id < before_pk)
    return (await conn.execute(query)).mappings().all()


async def latest_power_w(conn: AsyncConnection, transaction_pk: int) -> str | None:
    """The latest whole-meter power sample of a transaction (W, as stored), if it sent any."""
    query = (
        select(meter_values.c.value)
        .where(
            (meter_values.c.transaction_id == transaction_pk)
            & (meter_values.c.measurand == "Power.Active.Import")
            & (meter_values.c.phase == "")
        )
        .order_by(meter_values.c.timestamp.desc())
        .limit(1)
    )
    found: str | None = (await conn.execute(query)).scalar_one_or_none()
    return found
