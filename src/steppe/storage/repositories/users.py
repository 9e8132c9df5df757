"""Staff accounts and their sessions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.errors import AlreadyExists
from steppe.storage.tables.users import user_sessions, users


async def insert(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    try:
        await conn.execute(users.insert().values(**values))
    except IntegrityError as exc:
        raise AlreadyExists(f"a user with the email {values['email']!r} already exists") from exc


async def get(conn: AsyncConnection, user_id: str) -> RowMapping | None:
    return (await conn.execute(select(users).where(users.c.id == user_id))).mappings().first()


async def by_email(conn: AsyncConnection, email: str) -> RowMapping | None:
    return (await conn.execute(select(users).where(users.c.email == email))).mappings().first()


async def list_all(conn: AsyncConnection) -> Sequence[RowMapping]:
    return (await conn.execute(select(users).order_by(users.c.email))).mappings().all()


async def count(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.count()).select_from(users))).scalar_one())


async def update(conn: AsyncConnection, user_id: str, values: Mapping[str, Any]) -> int:
    result = await conn.execute(users.update().where(users.c.id == user_id).values(**values))
    return int(result.rowcount)


async def add_session(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(user_sessions.insert().values(**values))


async def session_with_user(conn: AsyncConnection, session_id: str) -> RowMapping | None:
    """The session and its user's columns (user columns prefixed `user_`)."""
    query = (
        select(
            user_sessions.c.id,
            user_sessions.c.created_at,
            user_sessions.c.last_seen_at,
            *(column.label(f"user_{column.name}") for column in users.c),
        )
        .join(users, users.c.id == user_sessions.c.user_id)
        .where(user_sessions.c.id == session_id)
    )
    return (await conn.execute(query)).mappings().first()


async def touch_session(conn: AsyncConnection, session_id: str, at: datetime) -> None:
    await conn.execute(
        user_sessions.update().where(user_sessions.c.id == session_id).values(last_seen_at=at)
    )


async def delete_session(conn: AsyncConnection, session_id: str) -> int:
    result = await conn.execute(user_sessions.delete().where(user_sessions.c.id == session_id))
    return int(result.rowcount)


async def delete_sessions_of(conn: AsyncConnection, user_id: str) -> int:
    result = await conn.execute(user_sessions.delete().where(user_sessions.c.user_id == user_id))
    return int(result.rowcount)


async def sessions_of(conn: AsyncConnection, user_id: str) -> Sequence[RowMapping]:
    query = (
        select(user_sessions)
        .where(user_sessions.c.user_id == user_id)
        .order_by(user_sessions.c.last_seen_at.desc())
    )
    return (await conn.execute(query)).mappings().all()


async def delete_sessions_idle_since(conn: AsyncConnection, before: datetime) -> int:
    result = await conn.execute(user_sessions.delete().where(user_sessions.c.last_seen_at < before))
    return int(result.rowcount)
