"""Limits that keep one client from hurting the others: message and control-frame rates,
connections per IP, failed-login lockouts and repeated log lines. All in memory, per process;
time is monotonic and injectable."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum

from steppe.gateway.tls import client_address

Monotonic = Callable[[], float]
# Entries kept for lockouts before expired ones are swept (a flood of random ids stays bounded).
MAX_TRACKED = 100_000
# Retry-After for a key whose remaining attempts are all being checked right now.
IN_FLIGHT_WAIT = 1.0


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
    pending: int = 0  # attempts being checked now


@dataclass(slots=True)
class Lockout:
    """After `failures` failed logins within `seconds`, a key is locked for `seconds`; a success
    clears the key's count. An attempt counts from the moment its check begins (`begin`) until
    it ends (`end`): a key with `failures` attempts failed or under way takes no more, so a burst
    sent at once is checked no further than one sent one by one."""

    failures: int
    seconds: float
    clock: Monotonic = time.monotonic
    _keys: dict[str, _Failures] = field(default_factory=dict)

    def retry_after(self, keys: Iterable[str]) -> float | None:
        """Seconds until the first of `keys` that is locked (or full of attempts under way) takes
        attempts again, or None."""
        now = self.clock()
        longest = 0.0
        for key in keys:
            entry = self._keys.get(key)
            if entry is None:
                continue
            if entry.locked_until > now:
                longest = max(longest, entry.locked_until - now)
            elif entry.pending + self._recent(entry, now) >= self.failures:
                longest = max(longest, IN_FLIGHT_WAIT)
        return longest or None

    def _recent(self, entry: _Failures, now: float) -> int:
        return entry.count if now - entry.first <= self.seconds else 0

    def _entries(self, keys: Iterable[str], now: float) -> Iterator[_Failures]:
        """The entries of `keys`, made where missing (after a sweep when the table is full)."""
        if len(self._keys) >= MAX_TRACKED:
            self._sweep(now)
        for key in keys:
            entry = self._keys.get(key)
            if entry is None:
                entry = self._keys[key] = _Failures(first=now)
            yield entry

    def begin(self, keys: Iterable[str]) -> None:
        """An attempt on `keys` is being checked; `end` it whatever the outcome."""
        for entry in self._entries(keys, self.clock()):
            entry.pending += 1

    def end(self, keys: Iterable[str]) -> None:
        for key in keys:
            entry = self._keys.get(key)
            if entry is not None and entry.pending > 0:
                entry.pending -= 1

    def failed(self, keys: Iterable[str]) -> None:
        now = self.clock()
        for entry in self._entries(keys, now):
            if now - entry.first > self.seconds:
                entry.count, entry.first = 0, now
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
            if entry.locked_until <= now and now - entry.first > self.seconds and not entry.pending
        ]
        for key in stale:
            del self._keys[key]
        if len(self._keys) >= MAX_TRACKED:  # all fresh: an attack; forget the oldest half
            for key in list(self._keys)[: MAX_TRACKED // 2]:
                del self._keys[key]


@dataclass(slots=True)
class ConnectionCounter:
    """Connections per client IP address, counted from accept (before any byte of the request is
    read, so half-open ones count too) until they end. It is the sockets' `Gate`: one past the
    limit is answered 429 at once and dropped."""

    limit: int
    _open: dict[str, int] = field(default_factory=dict)
    _refusals: RepeatedLog = field(
        default_factory=lambda: RepeatedLog(logging.getLogger("steppe.gateway"), logging.WARNING)
    )

    def enter(self, transport: asyncio.BaseTransport) -> bool:
        ip = client_address(transport)
        if self.full(ip):
            self._refusals("refused %s: %d connections open from it", ip, self.limit)
            return False
        self.opened(ip)
        return True

    def leave(self, transport: asyncio.BaseTransport) -> None:
        self.closed(client_address(transport))

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


class ControlVerdict(Enum):
    ANSWER = "answer"  # the protocol answers it
    DROP = "drop"  # a ping while the client is not reading our answers: no pong is queued
    FAIL = "fail"  # past the control-frame rate: close the connection with 1008


class ControlFrames:
    """Pings, pongs and closes a client may send: a token bucket per connection. A ping that
    arrives while the transport's write buffer is full is dropped (RFC 6455 lets a pong answer
    only the latest ping), so a client that never reads cannot make the server buffer pongs."""

    __slots__ = ("_bucket",)

    def __init__(self, rate: float, burst: int, *, clock: Monotonic = time.monotonic) -> None:
        self._bucket = TokenBucket(rate, burst, clock=clock)

    def admit(self, *, ping: bool, writing_paused: bool) -> ControlVerdict:
        if not self._bucket.take():
            return ControlVerdict.FAIL
        if ping and writing_paused:
            return ControlVerdict.DROP
        return ControlVerdict.ANSWER


class RepeatedLog:
    """A line that may repeat many times a second (a station's unsolicited answers, refused
    connections): written at most once per `every` seconds, saying how many were left out."""

    __slots__ = ("_clock", "_every", "_left_out", "_level", "_logger", "_next")

    def __init__(
        self,
        logger: logging.Logger,
        level: int,
        *,
        every: float = 60.0,
        clock: Monotonic = time.monotonic,
    ) -> None:
        self._logger = logger
        self._level = level
        self._every = every
        self._clock = clock
        self._next = 0.0
        self._left_out = 0

    def __call__(self, message: str, *args: object) -> None:
        now = self._clock()
        if now < self._next:
            self._left_out += 1
            return
        if self._left_out:
            message += " (%d more like it in the last %g s not logged)"
            args = (*args, self._left_out, self._every)
        self._logger.log(self._level, message, *args)
        self._next = now + self._every
        self._left_out = 0
