"""Pricing finished transactions after their stop is answered, from a queue kept in the database.

A transaction's end and its place in the pricing queue are one commit
(`storage.repositories.pricing_queue.add_later`, called by the transaction rules), so the
charger's StopTransaction or TransactionEvent(Ended) is answered as soon as the end is stored,
and a server stopped or killed before pricing leaves the transaction queued for its next start.
The worker prices queued transactions that are due, longest due first, whenever a stop wakes it
and at least every `POLL_S`; each leaves the queue once its CDR exists or no tariff applies.

A transaction whose pricing fails (a tariff that cannot be read, say) counts an attempt, keeps
the error, and is due again later, after 1 s, 5 s, 30 s, 5 min, 30 min, then every hour; it never
leaves the queue by failing, and the others are priced meanwhile. A session its tariff cannot
price at all (InvalidInput: a figure out of range, past the pricing time budget, a stored
tariff that no longer parses) is not tried
again: it stays queued as failed, with the reason the API shows on the transaction, until
`POST /api/v1/cdrs` asks again. When the database itself cannot be reached,
nothing is counted: the worker pauses and tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from steppe.domain.cdrs.service import CdrService
from steppe.domain.ports import Clock
from steppe.errors import InvalidInput, NotFound
from steppe.storage.db import Database, is_outage
from steppe.storage.group_commit import Batch, GroupCommitter
from steppe.storage.repositories import pricing_queue as repo

log = logging.getLogger("steppe.billing")
PAGE = 100
POLL_S = 60.0  # the queue is looked at this often even when no stop wakes the worker
RETRY_AFTER_S = (1.0, 5.0, 30.0, 300.0, 1800.0, 3600.0)  # after the 1st, 2nd, ... failure
LOUD_AFTER = 5  # failed attempts after which each failure is logged as an error
OUTAGE_PAUSE_S = (1.0, 5.0, 30.0)


@dataclass(frozen=True, slots=True)
class PricingState:
    """A transaction still waiting for its CDR: `failed` when pricing gave up on it."""

    status: str  # "queued" or "failed"
    attempts: int
    last_error: str | None
    due_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> PricingState:
        failed = row["failed_at"] is not None
        return cls(
            "failed" if failed else "queued",
            int(row["attempts"]),
            row["last_error"],
            None if failed else row["due_at"],
        )


def retry_after(attempts: int) -> float:
    """Seconds until a transaction that failed `attempts` times is due again."""
    return RETRY_AFTER_S[min(attempts, len(RETRY_AFTER_S)) - 1]


class PricingQueue:
    """Makes the CDRs of queued transactions; `run` is a background task of the server."""

    def __init__(
        self, db: Database, committer: GroupCommitter, clock: Clock, cdrs: CdrService
    ) -> None:
        self._db = db
        self._committer = committer
        self._clock = clock
        self._cdrs = cdrs
        self._wake: asyncio.Event | None = None

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
            if await self._cdrs.create_for(transaction_pk) is not None:
                return  # the commit that stored the CDR took it off the queue
        except NotFound:
            log.warning("transaction %d was queued for pricing but does not exist", transaction_pk)

        async def done(batch: Batch) -> None:
            await repo.remove(batch.conn, transaction_pk)

        await self._committer.write(done)

    async def run(self) -> None:
        """Price what is due, then wait for a stop, the next due time or the poll; until
        cancelled."""
        wake = self._wake = asyncio.Event()
        outages = 0
        try:
            while True:
                wake.clear()
                try:
                    more = await self.drain()
                    pause = 0.0 if more else await self._idle_for()
                except Exception as exc:
                    if not is_outage(exc):
                        log.exception("the pricing queue could not be read")
                    else:
                        log.warning("pricing paused, the database is away: %s", exc)
                    await asyncio.sleep(OUTAGE_PAUSE_S[min(outages, len(OUTAGE_PAUSE_S) - 1)])
                    outages += 1
                    continue
                outages = 0
                if pause > 0:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(pause):
                            await wake.wait()
        finally:
            self._wake = None

    async def drain(self) -> bool:
        """Price one page of what is due; True when a whole page was due (there may be more).
        An outage is raised (nothing counted); any other failure postpones that transaction."""
        async with self._db.connect() as conn:
            due = await repo.due(conn, now=self._clock.now(), limit=PAGE)
        for pk, attempts in due:
            try:
                await self.price(pk)
            except InvalidInput as exc:  # Unpriceable, or a stored tariff that no longer parses
                await self._give_up(pk, attempts + 1, str(exc))
            except Exception as exc:
                # An outage is nobody's fault: raised, nothing counted. But an error that looks
                # like one while the database answers (a statement past the timeout, waiting on
                # a lock) belongs to this transaction, or it would stop every other's pricing.
                if is_outage(exc) and not await self._db.answers():
                    raise
                await self._postpone(pk, attempts + 1, f"{type(exc).__name__}: {exc}")
        return len(due) == PAGE

    async def _give_up(self, pk: int, attempts: int, error: str) -> None:
        """Its tariff cannot price this session, and trying again would not change that: the
        transaction leaves the rotation with the reason, shown on the transaction."""
        log.error(
            "transaction %d cannot be priced: %s; it stays queued as failed until"
            " POST /api/v1/cdrs tries it again (after the tariff is fixed)",
            pk,
            error,
        )
        now = self._clock.now()

        async def failed(batch: Batch) -> None:
            await repo.give_up(batch.conn, pk, attempts=attempts, at=now, error=error)

        await self._committer.write(failed)

    async def states(self, transaction_pks: Sequence[int]) -> dict[int, PricingState]:
        """Where pricing stands for those of these transactions still in the queue."""
        async with self._db.connect() as conn:
            rows = await repo.states_of(conn, transaction_pks)
        return {int(row["transaction_pk"]): PricingState.from_row(row) for row in rows}

    async def _postpone(self, pk: int, attempts: int, error: str) -> None:
        wait = retry_after(attempts)
        level = logging.ERROR if attempts >= LOUD_AFTER else logging.WARNING
        log.log(
            level,
            "transaction %d: pricing failed (attempt %d), tried again in %g s; it stays queued,"
            " and POST /api/v1/cdrs makes its CDR at any time",
            pk,
            attempts,
            wait,
            exc_info=True,
        )
        due_at = self._clock.now() + timedelta(seconds=wait)

        async def later(batch: Batch) -> None:
            await repo.postpone(batch.conn, pk, attempts=attempts, due_at=due_at, error=error)

        await self._committer.write(later)

    async def _idle_for(self) -> float:
        """Seconds until the next queued transaction is due, at most POLL_S."""
        async with self._db.connect() as conn:
            due_at = await repo.next_due(conn)
        if due_at is None:
            return POLL_S
        return min(POLL_S, max(0.0, (due_at - self._clock.now()).total_seconds()))
