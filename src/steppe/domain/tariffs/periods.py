"""A charging session as the engine sees it: segments of steady charging or parking.

A segment is a stretch of time with a known energy delivered (spread linearly within it), a flag
saying whether the car was charging, and optionally the current it drew. Segments come from the
meter samples of a transaction, or are spread evenly when there are none (an estimate).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from steppe.errors import InvalidInput

SECONDS_PER_HOUR = Decimal(3600)


@dataclass(frozen=True, slots=True)
class Segment:
    start: datetime
    end: datetime
    energy_wh: Decimal
    charging: bool
    current_a: Decimal | None = None

    @property
    def seconds(self) -> Decimal:
        return seconds_between(self.start, self.end)

    @property
    def power_kw(self) -> Decimal | None:
        """Average power over the segment, from its energy."""
        seconds = self.seconds
        if seconds <= 0:
            return None
        return self.energy_wh / Decimal(1000) / (seconds / SECONDS_PER_HOUR)


@dataclass(frozen=True, slots=True)
class Session:
    """What is priced: contiguous segments, the location's IANA zone and its country."""

    start: datetime
    segments: tuple[Segment, ...]
    time_zone: str = "UTC"
    country: str | None = None

    @property
    def end(self) -> datetime:
        return self.segments[-1].end if self.segments else self.start

    @property
    def energy_wh(self) -> Decimal:
        return sum((s.energy_wh for s in self.segments), Decimal(0))

    @classmethod
    def even(
        cls,
        start: datetime,
        *,
        charging_seconds: int | Decimal,
        energy_wh: int | Decimal,
        parking_seconds: int | Decimal = 0,
        time_zone: str = "UTC",
        country: str | None = None,
        current_a: Decimal | None = None,
    ) -> Session:
        """Energy spread evenly over the charging time, then parking with none."""
        start = _utc(start)
        charge_end = start + _delta(charging_seconds)
        segments = [Segment(start, charge_end, Decimal(energy_wh), True, current_a)]
        if parking_seconds:
            segments.append(
                Segment(charge_end, charge_end + _delta(parking_seconds), Decimal(0), False)
            )
        return cls(start, tuple(segments), time_zone, country)

    @classmethod
    def from_readings(
        cls,
        start: datetime,
        end: datetime,
        *,
        energy_wh: int | Decimal | None,
        readings: Sequence[tuple[datetime, int | Decimal]] = (),
        meter_start_wh: int | Decimal | None = None,
        currents: Sequence[tuple[datetime, Decimal]] = (),
        time_zone: str = "UTC",
        country: str | None = None,
    ) -> Session:
        """A stored transaction: register readings between start and stop, linear in between.

        A stretch over which the register does not rise is parking. Without readings (or without
        a meter start to anchor them) the energy is spread evenly over the whole session.
        """
        start, end = _utc(start), _utc(end)
        if end < start:
            raise InvalidInput("a session cannot end before it starts")
        total = Decimal(energy_wh or 0)
        inside = sorted((_utc(t), Decimal(v)) for t, v in readings if start < _utc(t) < end)
        if not inside or meter_start_wh is None:
            current = currents[0][1] if currents else None
            segment = Segment(start, end, total, total > 0 or not inside, current)
            return cls(start, (segment,), time_zone, country)
        base = Decimal(meter_start_wh)
        points = [(start, Decimal(0))]
        for moment, register in inside:
            cumulative = min(max(register - base, points[-1][1]), total)
            if moment > points[-1][0]:
                points.append((moment, cumulative))
        points.append((end, max(total, points[-1][1])))
        segments = []
        for (t0, e0), (t1, e1) in itertools.pairwise(points):
            if t1 <= t0:
                continue
            delta = e1 - e0
            segments.append(Segment(t0, t1, delta, delta > 0, _current_at(currents, t0)))
        return cls(start, tuple(segments), time_zone, country)


def _current_at(currents: Sequence[tuple[datetime, Decimal]], moment: datetime) -> Decimal | None:
    """The last current reported at or before `moment` (the first one if none is before)."""
    chosen: Decimal | None = None
    for when, amps in sorted(currents, key=lambda pair: pair[0]):
        if _utc(when) <= moment or chosen is None:
            chosen = amps
        else:
            break
    return chosen


def seconds_between(a: datetime, b: datetime) -> Decimal:
    delta = b - a
    return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / 1_000_000


def _delta(seconds: int | Decimal) -> timedelta:
    return timedelta(microseconds=int(Decimal(seconds) * 1_000_000))


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise InvalidInput("times must carry a time zone")
    return moment.astimezone(UTC)
