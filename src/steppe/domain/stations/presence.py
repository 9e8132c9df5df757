"""When each station was last heard from, and what it may send while it is not accepted.

`last_seen_at` follows every message a station sends and every answer it gives: a dictionary
write per message here, and one batched write of the stations heard since the last one every
`STEPPE_LAST_SEEN_INTERVAL` seconds (a station's last minute of traffic before a crash of the
server may be lost; what is stored is never later than the truth).

A station that is pending may send what the CSMS asked it for (OCPP 1.6 section 4.2.1, 2.0.1
B02): a message named in an accepted TriggerMessage, the report that GetBaseReport asked for.
`Solicitations` remembers those for a while per station.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime

# How long a station may answer a request with its own messages while pending.
SOLICITED_FOR = 600.0
MAX_STATIONS = 100_000


class Solicitations:
    """Actions each station was asked to send, until a deadline (monotonic seconds)."""

    __slots__ = ("_asked", "_now")

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._asked: dict[str, dict[str, float]] = {}
        self._now = now

    def expect(self, station_id: str, actions: Iterable[str], *, within: float) -> None:
        deadline = self._now() + within
        asked = self._asked.get(station_id)
        if asked is None:
            if len(self._asked) >= MAX_STATIONS:
                self._asked.pop(next(iter(self._asked)))
            asked = self._asked[station_id] = {}
        for action in actions:
            asked[action] = deadline

    def allows(self, station_id: str, action: str) -> bool:
        asked = self._asked.get(station_id)
        if not asked:
            return False
        deadline = asked.get(action)
        if deadline is None:
            return False
        if deadline < self._now():
            del asked[action]
            return False
        return True


class Presence:
    """The last time each station was heard from, since the last flush."""

    __slots__ = ("_heard",)

    def __init__(self) -> None:
        self._heard: dict[str, datetime] = {}

    def heard(self, station_id: str, at: datetime) -> None:
        self._heard[station_id] = at

    def last(self, station_id: str) -> datetime | None:
        return self._heard.get(station_id)

    def take(self) -> dict[str, datetime]:
        """What was heard since the last call, forgetting it."""
        heard, self._heard = self._heard, {}
        return heard
