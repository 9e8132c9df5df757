"""How fast unknown stations may register themselves (with `accept_unknown_stations` on): a number
per client address per minute, and a ceiling on pending stations in all.

An address past its rate, or a server holding `max_pending` pending stations, refuses the
newcomer (the handshake answers 429); stations an operator has already accepted or registered
are not affected. In memory, per process; time is monotonic and injectable.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

WINDOW = 60.0  # seconds
MAX_TRACKED = 100_000  # addresses remembered before the stale ones are swept


@dataclass(frozen=True, slots=True)
class RegistrationLimits:
    per_minute: int = 10  # tries to register a newcomer one client address may make a minute
    max_pending: int = 1000  # pending stations in all


class RegistrationRate:
    """Registrations per client address within a fixed one-minute window."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._per_minute = per_minute
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}

    def retry_after(self, client: str) -> float | None:
        """Seconds until `client` may register again, or None if it may now."""
        now = self._clock()
        start, count = self._windows.get(client, (now, 0))
        if now - start >= WINDOW or count < self._per_minute:
            return None
        return start + WINDOW - now

    def registered(self, client: str) -> None:
        now = self._clock()
        if len(self._windows) >= MAX_TRACKED:
            self._windows = {
                key: value for key, value in self._windows.items() if now - value[0] < WINDOW
            }
        start, count = self._windows.get(client, (now, 0))
        if now - start >= WINDOW:
            start, count = now, 0
        self._windows[client] = (start, count + 1)
