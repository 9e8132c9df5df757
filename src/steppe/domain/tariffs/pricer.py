"""Where the pricing engine runs: on a worker thread, one session at a time per lane, each within
a time budget, so that no estimate, running cost or CDR holds the event loop (and with it every
charger's messages and `/health`).

The engine is pure Python; on a thread it still shares the interpreter with the event loop, which
then waits at most a switch interval (5 ms) each time it wants to run again, instead of for the
whole pricing. A pricing past its budget stops itself (the engine checks the time between
periods) and raises Unpriceable.
"""

from __future__ import annotations

import asyncio
import time

from steppe.domain.tariffs.engine import Costing, price
from steppe.domain.tariffs.models import Tariff
from steppe.domain.tariffs.periods import Session


def _price_within(tariff: Tariff, session: Session, budget: float) -> Costing:
    return price(tariff, session, deadline=time.monotonic() + budget)


class Pricer:
    """One lane of pricing work: jobs wait their turn, each runs on a worker thread within
    `budget` seconds counted from when it starts."""

    def __init__(self, *, budget: float, parallel: int = 1) -> None:
        self.budget = budget
        self._turns = asyncio.Semaphore(parallel)

    async def price(self, tariff: Tariff, session: Session) -> Costing:
        async with self._turns:
            return await asyncio.to_thread(_price_within, tariff, session, self.budget)
