"""Coalesced reads: many concurrent look-ups of single rows by key, one query for all of them.

A reconnect storm brings thousands of handshakes at once, each needing its station's row. Read
one at a time, each costs a pooled connection, a statement and a round trip, and the handshakes
queue for the pool until they time out. Here every look-up joins a queue; one task reads whatever
has gathered with a single `IN (...)` query, and while that query runs the next batch gathers.
Nothing is cached: each answer is read after the look-up was asked, so it is never stale.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import Generic, TypeVar

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.db import Database

K = TypeVar("K", bound=Hashable)
Fetch = Callable[[AsyncConnection, Sequence[K]], Awaitable[Mapping[K, RowMapping]]]


class CoalescedReader(Generic[K]):
    """`get(key)` for many callers at once, answered by batched reads through `fetch`."""

    def __init__(self, db: Database, fetch: Fetch[K], *, max_keys: int = 500) -> None:
        self._db = db
        self._fetch = fetch
        self._max_keys = max_keys
        self._waiting: dict[K, list[asyncio.Future[RowMapping | None]]] = {}
        self._runner: asyncio.Task[None] | None = None
        self.queries = 0

    async def get(self, key: K) -> RowMapping | None:
        """The row for `key` (None when there is none), read after this call began."""
        future: asyncio.Future[RowMapping | None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append(future)
        if self._runner is None:
            self._runner = asyncio.get_running_loop().create_task(self._run())
        return await future

    async def _run(self) -> None:
        try:
            while self._waiting:
                keys = list(self._waiting)[: self._max_keys]
                batch = {key: self._waiting.pop(key) for key in keys}
                await self._answer(batch)
        finally:
            self._runner = None
            if self._waiting:  # cancelled with callers still waiting: let them retry alone
                for futures in self._waiting.values():
                    for future in futures:
                        if not future.done():
                            future.cancel()
                self._waiting.clear()

    async def _answer(self, batch: dict[K, list[asyncio.Future[RowMapping | None]]]) -> None:
        try:
            async with self._db.connect() as conn:
                rows = await self._fetch(conn, list(batch))
        except Exception as exc:
            for futures in batch.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(exc)
            return
        except BaseException:  # cancelled: nobody is left to answer these callers
            for futures in batch.values():
                for future in futures:
                    future.cancel()
            raise
        self.queries += 1
        for key, futures in batch.items():
            row = rows.get(key)
            for future in futures:
                if not future.done():
                    future.set_result(row)
