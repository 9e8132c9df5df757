"""Whether an element's restrictions hold, and the instants at which that can change.

Restrictions are checked against the state of a period (its local time, how long the session has
run, the energy so far, power and current). The engine cuts the session at every instant where a
restriction could switch, so one check per period is exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from steppe.domain.tariffs.models import DayOfWeek, Element, Restrictions


@dataclass(frozen=True, slots=True)
class State:
    """What restrictions are checked against, at one instant inside a period."""

    local: datetime
    elapsed_seconds: Decimal
    energy_kwh: Decimal
    power_kw: Decimal | None
    current_a: Decimal | None


def _time_of_day_holds(r: Restrictions, now: time) -> bool:
    start, end = r.start_time, r.end_time
    if start is None and end is None:
        return True
    if start is not None and end is not None:
        if start == end:
            return True
        if start < end:
            return start <= now < end
        return now >= start or now < end  # wraps past midnight
    if start is not None:
        return now >= start
    assert end is not None
    return now < end


def _within(value: Decimal | None, low: Decimal | None, high: Decimal | None) -> bool:
    if low is None and high is None:
        return True
    if value is None:
        return False
    if low is not None and value < low:
        return False
    return high is None or value < high


def holds(r: Restrictions | None, state: State) -> bool:
    """True when every restriction given holds in `state` (maximums exclusive)."""
    if r is None:
        return True
    if r.reservation is not None:
        return False  # reservation prices do not apply to charging sessions
    day = state.local.date()
    if r.start_date is not None and day < r.start_date:
        return False
    if r.end_date is not None and day >= r.end_date:
        return False
    if r.day_of_week and DayOfWeek.of(day) not in r.day_of_week:
        return False
    if not _time_of_day_holds(r, state.local.time()):
        return False
    kwh_low, kwh_high = r.min_kwh, r.max_kwh
    if not _within(state.energy_kwh, kwh_low, kwh_high):
        return False
    low = None if r.min_duration is None else Decimal(r.min_duration)
    high = None if r.max_duration is None else Decimal(r.max_duration)
    if not _within(state.elapsed_seconds, low, high):
        return False
    if not _within(state.power_kw, r.min_power, r.max_power):
        return False
    return _within(state.current_a, r.min_current, r.max_current)


def local_cut_instants(
    elements: Iterable[Element], start: datetime, end: datetime, zone: ZoneInfo
) -> set[datetime]:
    """UTC instants strictly inside (start, end) where a local-time restriction may switch.

    That is every local midnight (dates, days of the week, VAT dates), every start/end time of
    day in both folds of an ambiguous hour, and every change of the zone's UTC offset.
    """
    times = {time(0, 0)}
    for element in elements:
        r = element.restrictions
        if r is not None:
            times.update(t for t in (r.start_time, r.end_time) if t is not None)
    cuts: set[datetime] = set()
    for day in _local_days(start, end, zone):
        for moment in times:
            for fold in (0, 1):
                instant = datetime.combine(day, moment, zone).replace(fold=fold).astimezone(UTC)
                if start < instant < end:
                    cuts.add(instant)
        cuts.update(t for t in _offset_changes(day, zone) if start < t < end)
    return cuts


def duration_cut_instants(
    elements: Iterable[Element], start: datetime, end: datetime
) -> set[datetime]:
    cuts: set[datetime] = set()
    for element in elements:
        r = element.restrictions
        if r is None:
            continue
        for seconds in (r.min_duration, r.max_duration):
            if seconds is not None:
                instant = start + timedelta(seconds=seconds)
                if start < instant < end:
                    cuts.add(instant)
    return cuts


def energy_thresholds_wh(elements: Iterable[Element]) -> set[Decimal]:
    found: set[Decimal] = set()
    for element in elements:
        r = element.restrictions
        if r is not None:
            found.update(kwh * 1000 for kwh in (r.min_kwh, r.max_kwh) if kwh is not None)
    return found


def _local_days(start: datetime, end: datetime, zone: ZoneInfo) -> Iterator[date]:
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    while day <= last:
        yield day
        day += timedelta(days=1)


def _offset_changes(day: date, zone: ZoneInfo) -> list[datetime]:
    """Instants during the local `day` at which the zone's UTC offset changes."""
    lo = datetime.combine(day, time(0), zone).astimezone(UTC)
    hi = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    found: list[datetime] = []
    while lo < hi and lo.astimezone(zone).utcoffset() != hi.astimezone(zone).utcoffset():
        a, b = lo, hi  # offset(a) != offset(b): narrow to the second it changes
        while (b - a) > timedelta(seconds=1):
            mid = a + (b - a) / 2
            mid = mid.replace(microsecond=0)
            if mid <= a:
                break
            if mid.astimezone(zone).utcoffset() == a.astimezone(zone).utcoffset():
                a = mid
            else:
                b = mid
        found.append(b)
        lo = b
    return found
