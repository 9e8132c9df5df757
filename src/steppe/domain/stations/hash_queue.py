"""The queue in front of the password hash: a few hashes at a time, waiting checks bounded, and
served in turns by client address, so that a burst from one address cannot delay the others.

Each scrypt check takes a worker thread for ~20 ms. Checks that cannot start at once wait in one
line per client address; when a hash finishes, the next check comes from the address after the
one served last (round robin), whatever the length of that address's line. A client with
`per_client` checks already waiting, or a queue holding `total`, is refused at once with
`ChecksBusy`, which the handshake answers with 503 and a Retry-After: a refusal now costs the
client less than a wait of seconds would.
"""

from __future__ import annotations

import asyncio
import collections
from dataclasses import dataclass


class ChecksBusy(Exception):
    """Too many password checks are waiting (from this client, or in all)."""


@dataclass(frozen=True, slots=True)
class QueueLimits:
    parallel: int = 2  # hashes at a time (worker threads)
    per_client: int = 100  # checks one client address may have waiting
    total: int = 1000  # checks waiting in all


class HashQueue:
    """A fair semaphore: `acquire(client)` waits its turn; `release()` hands the slot on."""

    def __init__(self, limits: QueueLimits) -> None:
        self._limits = limits
        self._free = limits.parallel
        # Waiting checks per client; the dict's order is the order of turns.
        self._lines: dict[str, collections.deque[asyncio.Future[None]]] = {}
        self._waiting = 0

    @property
    def waiting(self) -> int:
        return self._waiting

    async def acquire(self, client: str) -> None:
        if self._free > 0 and not self._lines:
            self._free -= 1
            return
        line = self._lines.get(client)
        if self._waiting >= self._limits.total or (
            line is not None and len(line) >= self._limits.per_client
        ):
            raise ChecksBusy("too many password checks waiting")
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if line is None:
            line = self._lines[client] = collections.deque()
        line.append(turn)
        self._waiting += 1
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():  # granted, then cancelled: pass it on
                self.release()
            else:
                self._forget(client, turn)
            raise

    def release(self) -> None:
        """A hash has finished: start the next client's oldest check, or free the slot."""
        while self._lines:
            client = next(iter(self._lines))
            line = self._lines.pop(client)
            turn = line.popleft()
            self._waiting -= 1
            if line:
                self._lines[client] = line  # back of the round
            if not turn.done():
                turn.set_result(None)
                return
        self._free += 1

    def _forget(self, client: str, turn: asyncio.Future[None]) -> None:
        line = self._lines.get(client)
        if line is None or turn not in line:
            return
        line.remove(turn)
        self._waiting -= 1
        if not line:
            del self._lines[client]
