"""Latency histogram, buckets about 2 % wide: cheap to record, merge and send between processes."""

from __future__ import annotations

import math

SCALE = 50.0  # buckets per e-fold: neighbouring bucket edges differ by exp(1/50), about 2 %


class Histogram:
    """Counts latencies (seconds) in logarithmic microsecond buckets."""

    __slots__ = ("buckets", "count", "max_s")

    def __init__(self) -> None:
        self.buckets: dict[int, int] = {}
        self.count = 0
        self.max_s = 0.0

    def record(self, seconds: float) -> None:
        micros = seconds * 1e6
        index = int(math.log(micros) * SCALE) if micros > 1.0 else 0
        self.buckets[index] = self.buckets.get(index, 0) + 1
        self.count += 1
        if seconds > self.max_s:
            self.max_s = seconds

    def merge(self, other: Histogram) -> None:
        for index, n in other.buckets.items():
            self.buckets[index] = self.buckets.get(index, 0) + n
        self.count += other.count
        self.max_s = max(self.max_s, other.max_s)

    def percentile(self, p: float) -> float:
        """The latency (seconds) below which p % of the recorded values fall; 0 when empty."""
        if self.count == 0:
            return 0.0
        rank = max(1, math.ceil(self.count * p / 100.0))
        seen = 0
        for index in sorted(self.buckets):
            seen += self.buckets[index]
            if seen >= rank:
                return min(math.exp((index + 0.5) / SCALE) / 1e6, self.max_s)
        return self.max_s  # pragma: no cover - rank never exceeds count
