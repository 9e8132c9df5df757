"""A lease on work that must run on one node of a cluster at a time: a PostgreSQL session-level
advisory lock, held on a connection of its own.

PostgreSQL gives it to one session only and takes it back when that session ends, whatever ends
it: a clean shutdown, a kill -9 of the node, a network cut (once the server notices the
connection gone, within its TCP keepalive). So the work never runs twice at once, and never
stops for longer than it takes another node to notice and take the lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.db import Database

log = logging.getLogger("steppe.storage")
# The lock's number: any 64-bit integer, the same on every node ("STEPPE" in ASCII, then 1).
BACKGROUND_LOCK = 0x53_54_45_50_50_45_00_01


class AdvisoryLease:
    """Waits for the lock, then holds it while the caller's work runs (checked every
    `check_every` seconds; the work is cancelled when the lock may have been lost)."""

    def __init__(self, db: Database, *, key: int = BACKGROUND_LOCK, check_every: float) -> None:
        self._db = db
        self._key = key
        self._check_every = check_every
        self.held = False
        self.terms = 0  # how many times this node has taken the lock

    @asynccontextmanager
    async def holding(self) -> AsyncIterator[asyncio.Event]:
        """Wait until this node holds the lock; yield an event set when it may be lost."""
        lost = asyncio.Event()
        while True:
            conn = await self._try_take()
            if conn is not None:
                break
            await asyncio.sleep(self._check_every)
        log.info("this node now runs the cluster's background work")
        self.held = True
        self.terms += 1
        keeper = asyncio.get_running_loop().create_task(self._keep(conn, lost))
        try:
            yield lost
        finally:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)
            self.held = False
            with contextlib.suppress(Exception):
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
            await _close(conn)

    async def _try_take(self) -> AsyncConnection | None:
        """A connection holding the lock, or None (another node holds it, or no database)."""
        try:
            conn = await self._db.engine.connect()
        except Exception as exc:  # the database is away: wait for it like everyone else
            log.debug("background lease: no connection: %s", exc)
            return None
        try:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            if await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key}):
                return conn
        except Exception as exc:
            log.debug("background lease not taken: %s", exc)
        except BaseException:  # cancelled while asking: give the connection back first
            await _close(conn)
            raise
        await _close(conn)
        return None

    async def _keep(self, conn: AsyncConnection, lost: asyncio.Event) -> None:
        while True:
            await asyncio.sleep(self._check_every)
            try:
                async with asyncio.timeout(self._check_every):
                    await conn.execute(text("SELECT 1"))
            except Exception as exc:
                log.warning("background lease lost (its connection failed): %s", exc)
                lost.set()
                return


async def _close(conn: AsyncConnection) -> None:
    with contextlib.suppress(Exception):
        await conn.close()
