"""The database engine: SQLite (embedded default) or PostgreSQL, set up for durable writes."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from steppe.errors import StorageUnavailable
from steppe.storage.pg_writer import PgWriter
from steppe.storage.sqlite_writer import SQLITE_PRAGMAS, SqliteWriter

# What `Database.begin()` and `connect()` yield, named here so that the domain can type the
# connection it hands to repositories without importing SQLAlchemy (ADR 0013).
Connection = AsyncConnection


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def create_engine(url: str, *, pool_size: int = 5, timeout: float | None = None) -> AsyncEngine:
    """An engine for `url` with the settings Steppe relies on.

    `timeout` bounds each PostgreSQL connect and statement, so a database that stops answering
    (a dropped network, no reset) fails writes with StorageUnavailable instead of stalling them.
    """
    if url.startswith("sqlite"):
        engine = create_async_engine(url, poolclass=NullPool if ":memory:" in url else None)
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        return engine
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={} if timeout is None else {"timeout": timeout, "command_timeout": timeout},
    )


def private_file(path: Path) -> None:
    """Create the database file readable and writable by its owner only (0600), before SQLite
    does with the process's umask; an existing file is narrowed to 0600 too. SQLite gives its
    journal, WAL and shared-memory files the database file's mode."""
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)


def is_outage(exc: BaseException) -> bool:
    """True for errors that mean the database cannot be reached, not that a statement failed."""
    if isinstance(exc, StorageUnavailable | OperationalError | InterfaceError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OSError | ConnectionError)


class Database:
    """One engine and the way to open a transaction on it."""

    def __init__(self, url: str, *, timeout: float | None = None) -> None:
        self.url = url
        self.engine = create_engine(url, timeout=timeout)
        # The group committer's own way in for batches of deferred writes only: a connection
        # on a thread of its own for an SQLite file, asyncpg without SQLAlchemy for PostgreSQL.
        self.writer: SqliteWriter | PgWriter | None = None
        database = self.engine.url.database
        if self.engine.dialect.name == "sqlite" and database and database != ":memory:":
            private_file(Path(database))
            self.writer = SqliteWriter(database)
        elif self.engine.dialect.name == "postgresql":
            self.writer = PgWriter(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction: committed on success, rolled back on error.

        Raises StorageUnavailable when the database cannot be reached."""
        try:
            async with self.engine.begin() as conn:
                yield conn
        except Exception as exc:
            if is_outage(exc) and not isinstance(exc, StorageUnavailable):
                raise StorageUnavailable(str(exc)) from exc
            raise

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reading; raises StorageUnavailable when the database is away."""
        try:
            async with self.engine.connect() as conn:
                yield conn
        except Exception as exc:
            if is_outage(exc) and not isinstance(exc, StorageUnavailable):
                raise StorageUnavailable(str(exc)) from exc
            raise

    async def answers(self) -> bool:
        """Whether the database answers a trivial query right now."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def close(self) -> None:
        if self.writer is not None:
            await self.writer.close()
        await self.engine.dispose()
