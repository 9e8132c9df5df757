"""Group commit: many writers, one transaction, one fsync; each writer learns its own outcome.

A charger's message is acknowledged only after its data is committed (ADR 0004). Committing each
message alone would cost one fsync per message; instead every write joins a queue, and one task
applies whatever has gathered in a single transaction. While a commit is on disk the next batch
gathers, so batches grow with load and latency stays near one commit.

Rules for an operation: it only talks to the database through the `Batch` it is given (no other
side effects), because a failed batch is replayed one operation at a time to isolate the failing
one. It writes through repository functions: a statement that needs an answer takes the batch's
connection (`repo.insert(batch.conn, ...)`), a write that needs none is deferred by the
repository (`samples.add_later(batch, rows)`) and sent at the end of the batch with the other
operations' rows of the same statement (`storage/deferred.py`). Which way a deferred write takes
to disk (the database's own writer, or SQLAlchemy in the batch's transaction) is decided here,
per batch, and nowhere else: see docs/architecture.md, "Writing".
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.errors import SteppeError, StorageUnavailable
from steppe.storage.db import Database, is_outage
from steppe.storage.deferred import INSERT, INSERT_IGNORE, REVISE, UPDATE, UPSERT, DeferredWrites

T = TypeVar("T")
# Batches of deferred writes only that may be on their way to the database's writer at once.
PIPELINE = 2
log = logging.getLogger("steppe.storage")


class NeedsConnection(SteppeError):
    """An operation asked for the batch's connection in a batch that has none (a dry run for
    the database's own writer); the committer then runs the batch the usual way."""


class Batch:
    """The open transaction an operation writes through. Its `*_later` methods are for
    repositories, which own the tables; services call the repositories' own functions."""

    __slots__ = ("_conn", "_deferred")

    def __init__(self, conn: AsyncConnection | None) -> None:
        self._conn = conn
        self._deferred = DeferredWrites()

    @property
    def conn(self) -> AsyncConnection:
        """The connection, in the batch's transaction, for statements that need an answer."""
        if self._conn is None:
            raise NeedsConnection
        return self._conn

    def insert_later(
        self, table: Table, rows: Sequence[Mapping[str, Any]], *, skip_duplicates: bool = False
    ) -> None:
        """Insert `rows` at the end of the batch, in one statement with the other batches' rows."""
        verb = INSERT_IGNORE if skip_duplicates else INSERT
        for row in rows:
            self._deferred.add(verb, table, {}, row)

    def revise_later(
        self,
        table: Table,
        key_columns: tuple[str, ...],
        rows: Sequence[Mapping[str, Any]],
        *,
        revised: tuple[str, ...],
    ) -> None:
        """Insert `rows` at the end of the batch; a row whose key (a unique key of `table`) is
        stored already with other `revised` values replaces them, keeping the replaced values in
        `replaced_<column>` and counting `revisions`; an exact resend changes nothing."""
        for row in rows:
            key = {name: row[name] for name in key_columns}
            values = {name: value for name, value in row.items() if name not in key}
            self._deferred.add(REVISE, table, key, values, revised)

    def update_later(self, table: Table, key: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        """Set `values` on the row of `table` whose key columns equal `key`, at the end of the
        batch (nothing happens when there is no such row)."""
        self._deferred.add(UPDATE, table, key, values)

    def upsert_later(
        self,
        table: Table,
        key: Mapping[str, Any],
        values: Mapping[str, Any],
        *,
        overwrite: tuple[str, ...],
    ) -> None:
        """Insert a row of `table`, or where one with the same `key` (a unique key) exists, set
        its `overwrite` columns from `values`; at the end of the batch."""
        self._deferred.add(UPSERT, table, key, values, overwrite)

    async def flush(self) -> None:
        await self._deferred.flush(self.conn)

    @property
    def deferred(self) -> DeferredWrites:
        return self._deferred


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
        # Writes waiting for a batch, and the committer's wake-up while there are none: a deque
        # and one future cost a fraction of asyncio.Queue's bookkeeping per write.
        self._waiting: deque[_Item[Any]] = deque()
        self._wakeup: asyncio.Future[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        writer = db.writer
        self._pipeline = PIPELINE if writer is None else writer.pipeline
        self.batches = 0
        self.operations = 0

    async def write(self, op: Callable[[Batch], Awaitable[T]]) -> T:
        """Apply `op` in the next commit and return its result once it is durable."""
        loop = self._loop or asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._waiting.append(_Item(op, future))
        wakeup = self._wakeup
        if wakeup is not None and not wakeup.done():
            wakeup.set_result(None)
        return await future

    async def _next(self) -> _Item[Any]:
        """The oldest waiting write, once there is one."""
        waiting = self._waiting
        while not waiting:
            loop = self._loop or asyncio.get_running_loop()
            self._wakeup = loop.create_future()
            try:
                await self._wakeup
            finally:
                self._wakeup = None
        return waiting.popleft()

    async def run(self) -> None:
        """Commit batches until cancelled; what is queued at cancellation is still committed.

        A batch of deferred writes only, bound for the database's writer, does not hold up the
        next one: up to the writer's `pipeline` of them are on their way to disk at once. A batch
        is closed only when it can go (a place is free): what arrives meanwhile joins it, so no
        commit is spent on the few writes that came in just after the last one left. The writer
        applies batches in order; a batch that needs the connection waits until those before it
        are on disk."""
        self._loop = asyncio.get_running_loop()
        current: asyncio.Future[None] | None = None
        inflight: set[asyncio.Task[None]] = set()
        items: list[_Item[Any]] = []
        try:
            while True:
                items = [await self._next()]
                while len(inflight) >= self._pipeline:
                    await asyncio.wait(inflight, return_when=asyncio.FIRST_COMPLETED)
                self._take_waiting(items)
                ready = await self._prepare(items)
                if ready is not None:
                    task = asyncio.get_running_loop().create_task(self._write_ready(*ready))
                    inflight.add(task)
                    task.add_done_callback(inflight.discard)
                    items = []
                    continue
                if inflight:
                    await asyncio.wait(inflight)
                # A commit under way is never cut short: cancellation waits for it below.
                # `_prepare` already found that this batch cannot go to the writer.
                current = asyncio.ensure_future(self._commit(items, try_writer=False))
                items = []
                await asyncio.shield(current)
                current = None
        finally:
            if inflight:
                await asyncio.gather(*inflight, return_exceptions=True)
            if current is not None:
                await asyncio.gather(current, return_exceptions=True)
            if items:  # taken from the queue, not yet on its way
                await asyncio.shield(self._commit(items))
            await self._drain()
            self._loop = None

    async def _prepare(
        self, items: list[_Item[Any]]
    ) -> tuple[list[_Item[Any]], list[Any], DeferredWrites] | None:
        """Run the operations of a batch bound for the database's writer, without writing; None
        when the batch must take the usual way (no writer, an operation needs the connection or
        fails, a kind of write the writer does not take: the usual way replays the operations
        and isolates a failure)."""
        live = [item for item in items if not item.future.done()]
        try:
            dry = await self._dry_run(live)
        except Exception:
            return None
        if dry is None:
            return None
        results, batch = dry
        return live, results, batch.deferred

    async def _dry_run(self, live: list[_Item[Any]]) -> tuple[list[Any], Batch] | None:
        """The operations' results and deferred writes, from a batch without a connection; None
        when there is no writer, an operation needs the connection or the writer does not take
        one of the kinds of write (operations are replayable, so the batch can then run again
        the usual way)."""
        writer = self._db.writer
        if writer is None:
            return None
        batch = Batch(None)
        try:
            results = [await item.op(batch) for item in live]
        except NeedsConnection:
            return None
        if not writer.accepts(batch.deferred):
            return None
        return results, batch

    async def _write_ready(
        self, live: list[_Item[Any]], results: list[Any], deferred: DeferredWrites
    ) -> None:
        assert self._db.writer is not None
        try:
            await self._db.writer.commit(deferred)
        except Exception as exc:
            await self._fail(live, exc)
            return
        self._done(live, results)

    def _take_waiting(self, items: list[_Item[Any]]) -> None:
        waiting = self._waiting
        room = self._max_batch - len(items)
        if len(waiting) <= room:
            items.extend(waiting)
            waiting.clear()
        else:
            items.extend(waiting.popleft() for _ in range(room))

    async def _drain(self) -> None:
        while self._waiting:
            items: list[_Item[Any]] = []
            self._take_waiting(items)
            await asyncio.shield(self._commit(items))

    async def _commit(self, items: list[_Item[Any]], *, try_writer: bool = True) -> None:
        live = [item for item in items if not item.future.done()]
        if not live:
            return
        try:
            results: list[Any] | None = None
            dry = await self._dry_run(live) if try_writer else None
            if dry is not None:
                assert self._db.writer is not None
                results, dry_batch = dry
                await self._db.writer.commit(dry_batch.deferred)
            if results is None:
                async with self._db.begin() as conn:
                    batch = Batch(conn)
                    results = [await item.op(batch) for item in live]
                    await batch.flush()
        except Exception as exc:
            await self._fail(live, exc)
            return
        self._done(live, results)

    def _done(self, live: list[_Item[Any]], results: list[Any]) -> None:
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
