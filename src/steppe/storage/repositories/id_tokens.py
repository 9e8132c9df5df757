"""Id tokens (RFID cards, app tokens) and their authorization status."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.errors import AlreadyExists
from steppe.storage.tables.core import id_tokens


async def get(conn: AsyncConnection, id_token: str) -> RowMapping | None:
    result = await conn.execute(select(id_tokens).where(id_tokens.c.id_token == id_token))
    return result.mappings().first()


async def list_page(
    conn: AsyncConnection,
    *,
    after: str | None = None,
    limit: int = 100,
    filters: Mapping[str, Any] | None = None,
) -> Sequence[RowMapping]:
    query = select(id_tokens).order_by(id_tokens.c.id_token).limit(limit)
    if after is not None:
        query = query.where(id_tokens.c.id_token > after)
    for name, value in (filters or {}).items():
        query = query.where(id_tokens.c[name] == value)
    return (await conn.execute(query)).mappings().all()


async def insert(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    """Insert a token; AlreadyExists when it is taken."""
    try:
        await conn.execute(id_tokens.insert().values(**values))
    except IntegrityError as exc:
        raise AlreadyExists(f"id token {values['id_token']!r} already exists") from exc


async def update(conn: AsyncConnection, id_token: str, values: Mapping[str, Any]) -> int:
    result = await conn.execute(
        id_tokens.update().where(id_tokens.c.id_token == id_token).values(**values)
    )
    return int(result.rowcount)


async def delete(conn: AsyncConnection, id_token: str) -> int:
    result = await conn.execute(id_tokens.delete().where(id_tokens.c.id_token == id_token))
    return int(result.rowcount)
