"""Group commit: many writers, one transaction, one fsync; each writer learns its own outcome.

A charger's message is acknowledged only after its data is committed (ADR 0004). Committing each
message alone would cost one fsync per message; instead every write joins a queue, and one task
applies whatever has gathered in a single transaction. While a commit is on disk the next batch
gathers, so batches grow with load and latency stays near one commit.

Rules for an operation: it only talks to the database through the `Batch` it is given (no other
side effects), because a failed batch is replayed one operation at a time to isolate the failing
one. Bulk inserts that need no answer (meter samples) are deferred with `Batch.insert_later` and
sent as one multi-row statement per table.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Boolean, DateTime, Table, TypeDecorator
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.errors import StorageUnavailable
from steppe.storage.db import Database, is_outage

T = TypeVar("T")
log = logging.getLogger("steppe.storage")


class Batch:
    """The open transaction an operation writes through."""

    __slots__ = ("_deferred", "conn")

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self._deferred: dict[tuple[Table, bool], list[Mapping[str, Any]]] = {}

    def insert_later(
        self, table: Table, rows: Sequence[Mapping[str, Any]], *, skip_duplicates: bool = False
    ) -> None:
        """Insert `rows` at the end of the batch, in one statement with the other batches' rows."""
        if rows:
            self._deferred.setdefault((table, skip_duplicates), []).extend(rows)

    async def flush(self) -> None:
        dialect = self.conn.dialect.name
        if dialect == "sqlite" and self._deferred:
            await self._flush_sqlite()
            return
        for (table, skip_duplicates), rows in self._deferred.items():
            if skip_duplicates:
                insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
                statement: Any = insert(table).on_conflict_do_nothing()
            else:
                statement = table.insert()
            await self.conn.execute(statement, list(rows))
        self._deferred.clear()

    async def _flush_sqlite(self) -> None:
        """The same inserts straight through the driver: no statement building per batch and no
        per-row type processing in Python beyond what `_SqliteInsert` precomputes."""
        raw = await self.conn.get_raw_connection()
        driver: Any = raw.driver_connection
        for (table, skip_duplicates), rows in self._deferred.items():
            by_shape: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
            for row in rows:
                by_shape.setdefault(tuple(row), []).append(row)
            for columns, same in by_shape.items():
                plan = _sqlite_plan(table, columns, skip_duplicates)
                await driver.executemany(plan.sql, [plan.values(row) for row in same])
        self._deferred.clear()


def _sqlite_datetime(value: datetime | None) -> str | None:
    # The layout SQLAlchemy's SQLite DATETIME type writes and reads back (naive, here UTC).
    if value is None:
        return None
    v = value.astimezone(UTC) if value.tzinfo is not None else value
    return (
        f"{v.year:04d}-{v.month:02d}-{v.day:02d} "
        f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}"
    )


def _sqlite_bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


class _SqliteInsert:
    __slots__ = ("columns", "converters", "sql")

    def __init__(self, table: Table, columns: tuple[str, ...], skip_duplicates: bool) -> None:
        verb = "INSERT OR IGNORE" if skip_duplicates else "INSERT"
        names = ", ".join(f'"{name}"' for name in columns)
        marks = ", ".join("?" for _ in columns)
        self.sql = f'{verb} INTO "{table.name}" ({names}) VALUES ({marks})'
        self.columns = columns
        self.converters: list[Callable[[Any], Any] | None] = []
        for name in columns:
            kind = table.c[name].type
            if isinstance(kind, TypeDecorator):
                kind = kind.impl_instance
            if isinstance(kind, DateTime):
                self.converters.append(_sqlite_datetime)
            elif isinstance(kind, Boolean):
                self.converters.append(_sqlite_bool)
            else:
                self.converters.append(None)

    def values(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(
            row[name] if convert is None else convert(row[name])
            for name, convert in zip(self.columns, self.converters, strict=True)
        )


_SQLITE_PLANS: dict[tuple[str, tuple[str, ...], bool], _SqliteInsert] = {}


def _sqlite_plan(table: Table, columns: tuple[str, ...], skip_duplicates: bool) -> _SqliteInsert:
    key = (table.name, columns, skip_duplicates)
    plan = _SQLITE_PLANS.get(key)
    if plan is None:
        plan = _SQLITE_PLANS[key] = _SqliteInsert(table, columns, skip_duplicates)
    return plan


class _Item(Generic[T]):
    __slots__ = ("future", "op")

    def __init__(self, op: Callable[[Batch], Awaitable[T]], future: asyncio.Future[T]) -> None:
        self.op = op
        self.future = future


class GroupCommitter:
    """Runs queued write operations in shared transactions."""

    def __init__(self, db: Database, *, max_batch: int = 512) -> None:
        self._db = db
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Item[Any]] = asyncio.Queue()
        self.batches = 0
        self.operations = 0

    async def write(self, op: Callable[[Batch], Awaitable[T]]) -> T:
        """Apply `op` in the next commit and return its result once it is durable."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Item(op, future))
        return await future

    async def run(self) -> None:
        """Commit batches until cancelled; what is queued at cancellation is still committed."""
        current: asyncio.Future[None] | None = None
        try:
            while True:
                items = [await self._queue.get()]
                self._take_waiting(items)
                # A commit under way is never cut short: cancellation waits for it below.
                current = asyncio.ensure_future(self._commit(items))
                await asyncio.shield(current)
                current = None
        finally:
            if current is not None:
                await asyncio.gather(current, return_exceptions=True)
            await self._drain()

    def _take_waiting(self, items: list[_Item[Any]]) -> None:
        while len(items) < self._max_batch and not self._queue.empty():
            items.append(self._queue.get_nowait())

    async def _drain(self) -> None:
        while not self._queue.empty():
            items: list[_Item[Any]] = []
            self._take_waiting(items)
            await asyncio.shield(self._commit(items))

    async def _commit(self, items: list[_Item[Any]]) -> None:
        live = [item for item in items if not item.future.done()]
        if not live:
            return
        try:
            async with self._db.begin() as conn:
                batch = Batch(conn)
                results = [await item.op(batch) for item in live]
                await batch.flush()
        except Exception as exc:
            await self._fail(live, exc)
            return
        self.batches += 1
        self.operations += len(live)
        for item, result in zip(live, results, strict=True):
            if not item.future.done():
                item.future.set_result(result)

    async def _fail(self, items: list[_Item[Any]], exc: Exception) -> None:
        if is_outage(exc):
            log.error("database unavailable, %d writes refused: %s", len(items), exc)
            error = StorageUnavailable(str(exc))
            for item in items:
                if not item.future.done():
                    item.future.set_exception(error)
            return
        if len(items) == 1:
            if not items[0].future.done():
                items[0].future.set_exception(exc)
            return
        # One operation spoilt the batch: replay each alone so only the guilty one fails.
        for item in items:
            await self._commit([item])
