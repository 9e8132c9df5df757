"""The simulated charger's wall clock: UTC timestamps as it writes them in its messages."""

from __future__ import annotations

import time


class WallClock:
    """ISO 8601 UTC to the microsecond, "2026-11-01T12:00:00.000001Z": a charger answered
    within a millisecond sends its next reading with a new timestamp (a server may keep one
    sample per station, EVSE, time and measurand). The date and time of day are formatted once
    a second, the microseconds each time: a load run's charger stamps every message it sends."""

    __slots__ = ("_prefix", "_second")

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def iso(self) -> str:
        second, micros = divmod(time.time_ns() // 1000, 1_000_000)
        if second != self._second:
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        return f"{self._prefix}.{micros:06d}Z"
