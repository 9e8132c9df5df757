"""API keys: rows in by hash, principals out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.tables.operator import api_keys


async def insert(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(api_keys.insert().values(**values))


async def by_hash(conn: AsyncConnection, key_hash: str) -> RowMapping | None:
    query = select(api_keys).where(api_keys.c.key_hash == key_hash)
    return (await conn.execute(query)).mappings().first()


async def get(conn: AsyncConnection, key_id: str) -> RowMapping | None:
    return (await conn.execute(select(api_keys).where(api_keys.c.id == key_id))).mappings().first()


async def list_all(conn: AsyncConnection, *, include_revoked: bool) -> Sequence[RowMapping]:
    query = select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)
    if not include_revoked:
        query = query.where(api_keys.c.revoked_at.is_(None))
    return (await conn.execute(query)).mappings().all()


async def revoke(conn: AsyncConnection, key_id: str, at: datetime) -> int:
    result = await conn.execute(
        api_keys.update()
        .where((api_keys.c.id == key_id) & api_keys.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return int(result.rowcount)


async def touch(conn: AsyncConnection, key_id: str, at: datetime) -> None:
    await conn.execute(api_keys.update().where(api_keys.c.id == key_id).values(last_used_at=at))


async def set_role(conn: AsyncConnection, key_id: str, role: str) -> int:
    result = await conn.execute(
        api_keys.update()
        .where((api_keys.c.id == key_id) & api_keys.c.revoked_at.is_(None))
        .values(role=role)
    )
    return int(result.rowcount)
