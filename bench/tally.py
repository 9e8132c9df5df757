"""What a group of simulated chargers saw during one phase of a load run: the chargers' own
counters (the simulator's `ChargerStats`) plus the run's measurements; merged across workers."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.histogram import Histogram
from steppe.simulator import ChargerStats
from steppe.simulator.link import CallRefused

# (station id, transaction id or None, energy register in Wh, MeterValues answered in its life)
ChargerReport = tuple[str, str | None, int, int]


@dataclass
class Tally(ChargerStats):
    """The chargers count calls sent, answered and refused (CALLERROR) into it; the fleet adds
    failures (lost connections, refused handshakes, timeouts), boots and latencies."""

    measured: int = 0
    failures: int = 0
    booted: int = 0
    first_boot_at: float = 0.0
    last_boot_at: float = 0.0
    latency: Histogram = field(default_factory=Histogram)
    action_latency: dict[str, Histogram] = field(default_factory=dict)
    chargers: list[ChargerReport] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return self.refused + self.failures

    def merge(self, other: ChargerStats) -> None:
        super().merge(other)
        if not isinstance(other, Tally):
            return
        self.measured += other.measured
        self.failures += other.failures
        self.booted += other.booted
        if other.booted:
            firsts = [t for t in (self.first_boot_at, other.first_boot_at) if t]
            self.first_boot_at = min(firsts) if firsts else 0.0
            self.last_boot_at = max(self.last_boot_at, other.last_boot_at)
        self.latency.merge(other.latency)
        for action, histogram in other.action_latency.items():
            self.action_latency.setdefault(action, Histogram()).merge(histogram)
        self.chargers.extend(other.chargers)


def failed(tally: Tally, station_id: str, exc: BaseException) -> None:
    """Count a lost connection, refused handshake or timeout (a CALLERROR is counted already)."""
    if isinstance(exc, CallRefused):
        return
    tally.failures += 1
    tally.note_error(f"{station_id}: {type(exc).__name__}: {exc}")
