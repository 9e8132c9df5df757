"""Counters for the metrics endpoint, kept by each connection as it answers: a dict increment and
a bucket increment per message, no locks (one event loop). The endpoint reads them through a
prometheus-client collector (`steppe/app/metrics.py`), which also escapes every label.

An action is counted under its own name only when some OCPP version Steppe speaks defines it;
anything else a station sends is counted as `UNKNOWN_ACTION`, so a station cannot add labels.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

# Upper bounds (seconds) of the handling latency histogram.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
UNKNOWN_ACTION = "(unknown)"


class GatewayMetrics:
    """Messages by (action, result), handling latency, and errors answered."""

    def __init__(self, known_actions: Iterable[str]) -> None:
        self._known = frozenset(known_actions)
        self.messages: dict[tuple[str, str], int] = {}
        self.latency_counts = [0] * (len(LATENCY_BUCKETS) + 1)  # the last one is +Inf
        self.latency_sum = 0.0
        self.errors: dict[str, int] = {}

    def observe(self, action: str, result: str, seconds: float) -> None:
        key = (action if action in self._known else UNKNOWN_ACTION, result)
        self.messages[key] = self.messages.get(key, 0) + 1
        self.latency_counts[bisect_left(LATENCY_BUCKETS, seconds)] += 1
        self.latency_sum += seconds

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
