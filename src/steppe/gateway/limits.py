"""Limits that keep one client from hurting the others: message rate, connections per IP and
failed-login lockouts. All in memory, per process; time is monotonic and injectable."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum

Monotonic = Callable[[], float]
# Entries kept for lockouts before expired ones are swept (a flood of random ids stays bounded).
MAX_TRACKED = 100_000


class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up; each message takes one."""

    __slots__ = ("_clock", "_last", "_tokens", "burst", "rate")

    def __init__(self, rate: float, burst: int, *, clock: Monotonic = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


class Admission(Enum):
    ALLOW = "allow"
    REFUSE = "refuse"  # answer with a CALLERROR, keep the connection
    CLOSE = "close"  # the station keeps pushing past the limit: close the connection


class MessageThrottle:
    """Per-connection message rate limit. Over the limit a message is refused; a station that
    sends `burst` more messages while refused (and none in between gets through) is closed."""

    __slots__ = ("_bucket", "_refused")

    def __init__(self, rate: float, burst: int, *, clock: Monotonic = time.monotonic) -> None:
        self._bucket = TokenBucket(rate, burst, clock=clock)
        self._refused = 0

    def admit(self) -> Admission:
        if self._bucket.take():
            self._refused = 0
            return Admission.ALLOW
        self._refused += 1
        return Admission.CLOSE if self._refused > self._bucket.burst else Admission.REFUSE


@dataclass(slots=True)
class _Failures:
    count: int = 0
    first: float = 0.0
    locked_until: float = 0.0


@dataclass(slots=True)
class Lockout:
    """After `failures` failed logins within `seconds`, a key (a station id or an IP address) is
    locked for `seconds`; a success clears the key's count."""

    failures: int
    seconds: float
    clock: Monotonic = time.monotonic
    _keys: dict[str, _Failures] = field(default_factory=dict)

    def retry_after(self, keys: Iterable[str]) -> float | None:
        """Seconds until the first of `keys` that is locked opens again, or None."""
        now = self.clock()
        longest = 0.0
        for key in keys:
            entry = self._keys.get(key)
            if entry is not None and entry.locked_until > now:
                longest = max(longest, entry.locked_until - now)
        return longest or None

    def failed(self, keys: Iterable[str]) -> None:
        now = self.clock()
        if len(self._keys) >= MAX_TRACKED:
            self._sweep(now)
        for key in keys:
            entry = self._keys.get(key)
            if entry is None or now - entry.first > self.seconds:
                entry = self._keys[key] = _Failures(first=now)
            entry.count += 1
            if entry.count >= self.failures:
                entry.locked_until = now + self.seconds
                entry.count = 0
                entry.first = now

    def succeeded(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._keys.pop(key, None)

    def _sweep(self, now: float) -> None:
        stale = [
            key
            for key, entry in self._keys.items()
            if entry.locked_until <= now and now - entry.first > self.seconds
        ]
        for key in stale:
            del self._keys[key]
        if len(self._keys) >= MAX_TRACKED:  # all fresh: an attack; forget the oldest half
            for key in list(self._keys)[: MAX_TRACKED // 2]:
                del self._keys[key]


@dataclass(slots=True)
class ConnectionCounter:
    """Open connections per client IP address."""

    limit: int
    _open: dict[str, int] = field(default_factory=dict)

    def full(self, ip: str) -> bool:
        return self._open.get(ip, 0) >= self.limit

    def opened(self, ip: str) -> None:
        self._open[ip] = self._open.get(ip, 0) + 1

    def closed(self, ip: str) -> None:
        left = self._open.get(ip, 0) - 1
        if left > 0:
            self._open[ip] = left
        else:
            self._open.pop(ip, None)

    def count(self, ip: str) -> int:
        return self._open.get(ip, 0)
