"""How many drivers come, when, and in which cars: the scenario's demand as arrival streams.

Fleet: each group of cars grows from `cars` by `added_per_year` (spread evenly over each plan
year). A car needs `daily_km * kwh_per_km` kWh a day, `public_share` of it from public chargers,
in sessions that take it from the mean arrival SoC to the mean target SoC, so a car of battery B
makes `daily_km * public_share * kwh_per_km / (B * (target - arrival) / 100)` public sessions a
day. The fleet's sessions are spread over the sites by `demand_weight`.

Visitors: `per_day` charging sessions a day on a corridor, spread evenly over its sites.

Arrival times follow a local hour-of-week profile: fitted from stored transactions when there are
any, else the scenario's, else `DEFAULT_WEEKDAY` and `DEFAULT_WEEKEND` below. Each stream's daily
rate is multiplied by its `monthly_factor` (12 values, January first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from steppe.planning.model import HOURS_PER_WEEK, Calendar, Stream
from steppe.planning.specs import FleetSpec, TheorySpec, VisitorSpec

# Relative arrival rates by local hour (0-23): public charging rises through the morning, holds
# over the working day and peaks in the early evening on weekdays; weekends are later and flatter.
DEFAULT_WEEKDAY = (
    0.30,
    0.20,
    0.15,
    0.10,
    0.10,
    0.20,
    0.50,
    0.90,
    1.20,
    1.30,
    1.30,
    1.40,
    1.50,
    1.40,
    1.30,
    1.30,
    1.50,
    1.70,
    1.80,
    1.60,
    1.30,
    1.00,
    0.70,
    0.50,
)
DEFAULT_WEEKEND = (
    0.40,
    0.30,
    0.20,
    0.15,
    0.15,
    0.20,
    0.30,
    0.50,
    0.80,
    1.10,
    1.40,
    1.50,
    1.60,
    1.60,
    1.50,
    1.50,
    1.50,
    1.50,
    1.40,
    1.20,
    1.00,
    0.80,
    0.60,
    0.50,
)


def normalized(profile: Sequence[float]) -> tuple[float, ...]:
    """The profile scaled to a mean of 1 over the week."""
    if len(profile) != HOURS_PER_WEEK:
        raise ValueError("a week profile has 168 hours")
    total = sum(profile)
    if total <= 0:
        return (1.0,) * HOURS_PER_WEEK
    return tuple(value * HOURS_PER_WEEK / total for value in profile)


def default_week() -> tuple[float, ...]:
    return normalized(DEFAULT_WEEKDAY * 5 + DEFAULT_WEEKEND * 2)


def fitted_week(counts: Sequence[float], prior_sessions: float = 50.0) -> tuple[float, ...]:
    """Stored sessions by local hour of the week, smoothed towards the default profile.

    The default counts as `prior_sessions` sessions, so a few stored ones move it a little and
    thousands replace it.
    """
    default = default_week()
    total = sum(counts)
    blended = [
        c + prior_sessions * d / HOURS_PER_WEEK for c, d in zip(counts, default, strict=True)
    ]
    return normalized(blended) if total > 0 else default


@dataclass(frozen=True, slots=True)
class DemandCar:
    """What the demand needs to know of one car kind."""

    battery_kwh: float


def plan_year_days(calendar: Calendar) -> list[float]:
    """Day offsets at which each plan year starts, and one past the horizon."""
    first = calendar.start.date()
    edges = [0.0]
    year = 1
    while edges[-1] * 86400 < calendar.horizon_s:
        try:
            nxt = first.replace(year=first.year + year)
        except ValueError:  # 29 February
            nxt = date(first.year + year, 3, 1)
        edges.append(float((nxt - first).days))
        year += 1
    return edges


def _days(calendar: Calendar) -> int:
    return int(-(-calendar.horizon_s // 86400))


def _month_index(calendar: Calendar, day: int) -> int:
    return calendar.month_of(day * 86400.0 + 43200.0)


def _calendar_month(calendar: Calendar, day: int) -> int:
    return (calendar.start.date() + timedelta(days=day)).month - 1


def cars_on(group_cars: float, added: Sequence[float], years: list[float], day: float) -> float:
    """Cars of a group on `day`: the start, plus each plan year's additions spread evenly."""
    cars = group_cars
    for index in range(len(years) - 1):
        begin, end = years[index], years[index + 1]
        per_year = added[min(index, len(added) - 1)]
        if day >= end:
            cars += per_year
        elif day > begin:
            cars += per_year * (day - begin) / (end - begin)
    return cars


def fleet_stream(
    calendar: Calendar,
    fleet: FleetSpec,
    group_kinds: Sequence[int],
    cars: Sequence[DemandCar],
    kinds: int,
    sites: Sequence[int],
    weights: Sequence[float],
    week: tuple[float, ...],
) -> Stream:
    years = plan_year_days(calendar)
    gain = fleet.soc_target[0] - fleet.soc_arrival[0]
    if gain <= 0:
        raise ValueError("fleet.soc_target.mean must be above fleet.soc_arrival.mean")
    per_car_day = []
    for group, kind in zip(fleet.groups, group_kinds, strict=True):
        km = group.daily_km if group.daily_km is not None else fleet.daily_km
        share = group.public_share if group.public_share is not None else fleet.public_share
        use = group.kwh_per_km if group.kwh_per_km is not None else fleet.kwh_per_km
        per_car_day.append(km * share * use / (cars[kind].battery_kwh * gain / 100))
    daily = []
    for day in range(_days(calendar)):
        mid = day + 0.5
        total = sum(
            cars_on(group.cars, group.added_per_year, years, mid) * rate
            for group, rate in zip(fleet.groups, per_car_day, strict=True)
        )
        daily.append(total * fleet.monthly_factor[_calendar_month(calendar, day)])
    mix = []
    for month in range(calendar.months):
        middle = (calendar.month_starts[month] + calendar.month_starts[month + 1]) / 2 / 86400
        shares = [0.0] * kinds
        for group, kind, rate in zip(fleet.groups, group_kinds, per_car_day, strict=True):
            shares[kind] += cars_on(group.cars, group.added_per_year, years, middle) * rate
        mix.append(tuple(shares) if sum(shares) > 0 else _first(kinds, group_kinds))
    return Stream(
        "fleet",
        tuple(sites),
        _shares(weights),
        tuple(daily),
        week,
        tuple(mix),
        fleet.soc_arrival,
        fleet.soc_target,
    )


def _first(kinds: int, group_kinds: Sequence[int]) -> tuple[float, ...]:
    shares = [0.0] * kinds
    shares[group_kinds[0] if group_kinds else 0] = 1.0
    return tuple(shares)


def _shares(weights: Sequence[float]) -> tuple[float, ...]:
    total = sum(weights)
    if total <= 0:
        return tuple(1.0 / len(weights) for _ in weights)
    return tuple(w / total for w in weights)


def visitor_stream(
    calendar: Calendar,
    visitors: VisitorSpec,
    vehicle_kinds: Sequence[int],
    kinds: int,
    sites: Sequence[int],
    week: tuple[float, ...],
) -> Stream:
    years = plan_year_days(calendar)
    daily = []
    for day in range(_days(calendar)):
        year = max(i for i in range(len(years) - 1) if years[i] <= day) if len(years) > 1 else 0
        per_day = visitors.per_day[min(year, len(visitors.per_day) - 1)]
        daily.append(per_day * visitors.monthly_factor[_calendar_month(calendar, day)])
    shares = [0.0] * kinds
    for (_, share), kind in zip(visitors.vehicles, vehicle_kinds, strict=True):
        shares[kind] += share
    return Stream(
        f"visitors: {visitors.corridor}",
        tuple(sites),
        _shares([1.0] * len(sites)),
        tuple(daily),
        week,
        (tuple(shares),) * calendar.months,
        visitors.soc_arrival,
        visitors.soc_target,
    )


def theory_stream(calendar: Calendar, theory: TheorySpec, sites: Sequence[int]) -> Stream:
    """Every site gets `arrivals_per_hour` of identical plain cars, all day, every day."""
    return Stream(
        "theory",
        tuple(sites),
        (1.0,) * len(sites),
        (theory.arrivals_per_hour * 24,) * _days(calendar),
        (1.0,) * HOURS_PER_WEEK,
        ((1.0,),) * calendar.months,
        regular=theory.regular,
        hold="fixed" if theory.duration == "fixed" else "exponential",
        hold_minutes=theory.duration_minutes,
    )
