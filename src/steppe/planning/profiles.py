"""How fast one car charges on one charger, in a form the event loop can integrate quickly.

A profile cuts the car's progress (state of charge in percent, or kWh for the plain cars of a
theory scenario) into bands; inside a band the car draws a constant power at the connector. The
band's power is the harmonic mean of the curve sampled inside it, so the time to cross the band
is exact for the sampled points. A cap (the site's equal share of its grid limit) lowers the
power of every band above it.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence

SECONDS_PER_HOUR = 3600.0
MIN_KW = 0.05  # a band never draws less, so every charge ends


class ChargeProfile:
    """Power by band of progress; `unit_kwh` is the energy metered per unit of progress."""

    __slots__ = ("_last", "_seconds_per_unit", "edges", "peak_after", "power", "times", "unit_kwh")

    def __init__(self, edges: Sequence[float], power: Sequence[float], unit_kwh: float) -> None:
        if len(edges) != len(power) + 1 or not power:
            raise ValueError("a profile has one more edge than it has bands")
        if any(b <= a for a, b in itertools.pairwise(edges)):
            raise ValueError("profile edges must increase")
        self.edges = list(edges)
        self.power = [max(float(p), MIN_KW) for p in power]
        self._last = len(self.power) - 1
        self.unit_kwh = float(unit_kwh)
        self._seconds_per_unit = [self.unit_kwh / p * SECONDS_PER_HOUR for p in self.power]
        times = [0.0]
        for k, per_unit in enumerate(self._seconds_per_unit):
            width = self.edges[k + 1] - self.edges[k]
            times.append(times[-1] + width * per_unit if math.isfinite(width) else math.inf)
        self.times = times
        # the most the car can still draw from each band on: what the load manager reserves
        peaks = list(itertools.accumulate(reversed(self.power), max))
        self.peak_after = peaks[::-1]

    @classmethod
    def flat(cls, power_kw: float) -> ChargeProfile:
        """A car that draws `power_kw` whatever it has taken (progress counted in kWh)."""
        return cls([0.0, math.inf], [power_kw], 1.0)

    def band(self, position: float) -> int:
        return min(max(bisect.bisect_right(self.edges, position) - 1, 0), len(self.power) - 1)

    def peak_from(self, position: float) -> float:
        """The highest power the car draws from `position` on."""
        if self._last == 0:
            return self.power[0]
        k = bisect.bisect_right(self.edges, position) - 1
        return self.peak_after[0 if k < 0 else (self._last if k > self._last else k)]

    def _clock(self, position: float) -> float:
        k = bisect.bisect_right(self.edges, position) - 1
        k = 0 if k < 0 else (self._last if k > self._last else k)
        return self.times[k] + (position - self.edges[k]) * self._seconds_per_unit[k]

    def seconds(self, start: float, end: float, cap: float = math.inf) -> float:
        """Seconds to go from `start` to `end` drawing at most `cap` kW."""
        if end <= start:
            return 0.0
        if self._last == 0:
            return (end - start) * self.unit_kwh / min(self.power[0], cap) * SECONDS_PER_HOUR
        k = self.band(start)
        if cap >= self.peak_after[k]:
            edges, times, per_unit, last = (
                self.edges,
                self.times,
                self._seconds_per_unit,
                self._last,
            )
            j = bisect.bisect_right(edges, end) - 1
            j = 0 if j < 0 else (last if j > last else j)
            at_end = times[j] + (end - edges[j]) * per_unit[j]
            return at_end - (times[k] + (start - edges[k]) * per_unit[k])
        total = 0.0
        position = start
        last = len(self.power) - 1
        while position < end:
            upper = self.edges[k + 1] if k < last else math.inf
            stop = min(upper, end)
            total += (stop - position) * self.unit_kwh / min(self.power[k], cap) * SECONDS_PER_HOUR
            position = stop
            k += 1
        return total

    def advance(self, start: float, seconds: float, cap: float = math.inf) -> float:
        """Where the car is after charging `seconds` from `start` at most at `cap` kW."""
        if seconds <= 0:
            return start
        if len(self.power) == 1:
            return start + seconds * min(self.power[0], cap) / (self.unit_kwh * SECONDS_PER_HOUR)
        k = self.band(start)
        if cap >= self.peak_after[k]:
            target = self._clock(start) + seconds
            j = min(bisect.bisect_right(self.times, target) - 1, len(self.power) - 1)
            return self.edges[j] + (target - self.times[j]) / self._seconds_per_unit[j]
        position = start
        left = seconds
        last = len(self.power) - 1
        while True:
            rate = min(self.power[k], cap) / (self.unit_kwh * SECONDS_PER_HOUR)  # units a second
            upper = self.edges[k + 1] if k < last else math.inf
            needed = (upper - position) / rate
            if needed >= left:
                return position + left * rate
            left -= needed
            position = upper
            k += 1

    def energy_kwh(self, start: float, end: float) -> float:
        return (end - start) * self.unit_kwh


def sampled(
    curve: Sequence[float], *, battery_kwh: float, efficiency: float, bands: int = 40
) -> ChargeProfile:
    """A profile over 0-100 % SoC from the power at evenly spaced SoC points.

    `curve[i]` is the kW drawn at SoC 100 * i / (len(curve) - 1); each band's power is the
    harmonic mean of the points at its edges and middle. Progress is SoC in percent; a percent
    meters battery / (100 * efficiency) kWh.
    """
    points = len(curve) - 1
    if points < bands * 2 or points % (bands * 2):
        raise ValueError("sample the curve at 2 * bands + 1 points or a multiple of it")
    step = points // bands
    power = []
    for k in range(bands):
        window = [max(float(p), MIN_KW) for p in curve[k * step : (k + 1) * step + 1]]
        power.append(len(window) / sum(1 / p for p in window))
    if max(power) - min(power) < 1e-9:  # AC: one band is enough
        return ChargeProfile([0.0, 100.0], [power[0]], battery_kwh / (100 * efficiency))
    edges = [100 * k / bands for k in range(bands + 1)]
    return ChargeProfile(edges, power, battery_kwh / (100 * efficiency))
