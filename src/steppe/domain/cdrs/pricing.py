"""Pricing finished transactions after their stop is answered, from a queue kept in the database.

A transaction's end and its place in the pricing queue are one commit (`price_later`), so the
charger's StopTransaction or TransactionEvent(Ended) is answered as soon as the end is stored,
and a server stopped or killed before pricing leaves the transaction queued for its next start.
The worker prices queued transactions oldest first, whenever a stop wakes it; each leaves the
queue once its CDR exists or no tariff applies. A transaction whose pricing keeps failing is set
aside (logged) until the next start, so one bad transaction cannot hold the others back.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from steppe.errors import NotFound
from steppe.storage.db import Database
from steppe.storage.group_commit import Batch, GroupCommitter
from steppe.storage.repositories import cdrs as repo

if TYPE_CHECKING:
    from steppe.domain.cdrs.service import CdrService

log = logging.getLogger("steppe.billing")
PAGE = 100
GIVE_UP_AFTER = 5  # failed attempts before a transaction is set aside until the next start
RETRY_AFTER_S = (1.0, 5.0, 30.0)  # pause after a round with a failure (a database outage, say)


class PricingWorker:
    """Makes the CDRs of queued transactions; `run` is a background task of the server."""

    def __init__(self, db: Database, committer: GroupCommitter, cdrs: CdrService) -> None:
        self._db = db
        self._committer = committer
        self._cdrs = cdrs
        self._wake: asyncio.Event | None = None
        self._failures: dict[int, int] = {}
        self._set_aside: set[int] = set()

    async def transaction_ended(self, transaction_pk: int) -> None:
        """Hook run after a transaction's end is committed (and queued with it): wake the worker,
        or, where no worker runs (a tool, a test), price it now. Never raises."""
        if self._wake is not None:
            self._wake.set()
            return
        try:
            await self.price(transaction_pk)
        except Exception:
            log.exception("transaction %d: no CDR made, pricing failed", transaction_pk)

    async def price(self, transaction_pk: int) -> None:
        """Make the transaction's CDR (if a tariff applies) and take it off the queue."""
        try:
            await self._cdrs.create_for(transaction_pk)
        except NotFound:
            log.warning("transaction %d was queued for pricing but does not exist", transaction_pk)

        async def done(batch: Batch) -> None:
            await repo.dequeue(batch.conn, transaction_pk)

        await self._committer.write(done)

    async def run(self) -> None:
        """Price what was left queued, then each transaction as it ends, until cancelled."""
        wake = self._wake = asyncio.Event()
        failed_rounds = 0
        try:
            while True:
                wake.clear()
                try:
                    more, failed = await self.drain()
                except Exception:
                    log.exception("reading the pricing queue failed")
                    more, failed = True, True
                if failed:
                    await asyncio.sleep(RETRY_AFTER_S[min(failed_rounds, len(RETRY_AFTER_S) - 1)])
                    failed_rounds += 1
                    continue
                failed_rounds = 0
                if not more:
                    await wake.wait()
        finally:
            self._wake = None

    async def drain(self) -> tuple[bool, bool]:
        """Price one page of the queue: (whether more may be queued, whether any failed)."""
        async with self._db.connect() as conn:
            pks = await repo.queued(conn, limit=PAGE, skip=sorted(self._set_aside))
        failed = False
        for pk in pks:
            try:
                await self.price(pk)
            except Exception:
                failed = True
                count = self._failures[pk] = self._failures.get(pk, 0) + 1
                log.exception("transaction %d: pricing failed (attempt %d)", pk, count)
                if count >= GIVE_UP_AFTER:
                    self._set_aside.add(pk)
                    del self._failures[pk]
                    log.error(
                        "transaction %d: set aside after %d failed attempts; it stays queued for"
                        " the next start, or POST /api/v1/cdrs makes its CDR",
                        pk,
                        count,
                    )
            else:
                self._failures.pop(pk, None)
        return len(pks) == PAGE, failed
