"""A car's cost-aware schedule under Almaty's night rate: it waits for the cheap hours, meets its
need by departure, and charges flat out, saying so, when the need cannot be met."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steppe.domain.smart_charging.schedules import (
    ChargingNeed,
    DayPrices,
    Period,
    PriceStep,
    Schedule,
    cheapest_schedule,
)
from steppe.errors import InvalidInput

# Local times, so the cases read the same whatever offset the installed zone data gives Almaty
ALMATY = ZoneInfo("Asia/Almaty")
NOW = datetime(2025, 11, 20, 18, 0, tzinfo=ALMATY)
DEPARTURE = datetime(2025, 11, 21, 7, 30, tzinfo=ALMATY)
NIGHT_RATE = DayPrices(
    "Asia/Almaty",
    (PriceStep(time(7), Decimal(90)), PriceStep(time(23), Decimal(45))),
)
ELEVEN_KW = 11_040  # 16 A on three phases at 230 V


def periods(*pairs: tuple[int, str]) -> tuple[Period, ...]:
    return tuple(Period(offset, Decimal(limit)) for offset, limit in pairs)


def test_a_car_waits_for_the_night_rate_and_is_done_before_departure() -> None:
    """22 kWh by 07:30 at 11 kW: nothing until 23:00, two hours at 16 A, done at 45 KZT/kWh."""
    need = ChargingNeed(22_000, DEPARTURE, ELEVEN_KW)
    schedule = cheapest_schedule(NIGHT_RATE, need, Decimal(16), NOW)
    # 22,000 Wh at 11,040 W: 7,174 s (22,000.27 Wh), from 23:00, 5 h after 18:00
    assert schedule.periods == periods((0, "0"), (18_000, "16.0"), (25_174, "0"), (48_600, "16.0"))
    assert schedule.meets_need and schedule.energy_wh == 22_000 and schedule.shortfall_wh == 0
    assert schedule.cost == Decimal("990.012")


def test_a_larger_need_spreads_over_the_whole_night_at_a_lower_current() -> None:
    """60 kWh over the eight cheap hours is 10.9 A on three phases, not 16 A then nothing."""
    schedule = cheapest_schedule(
        NIGHT_RATE, ChargingNeed(60_000, DEPARTURE, ELEVEN_KW), Decimal(16), NOW
    )
    assert schedule.periods == periods((0, "0"), (18_000, "10.9"), (46_800, "0"), (48_600, "16.0"))
    assert schedule.meets_need and schedule.energy_wh >= 60_000


def test_more_than_the_night_holds_starts_in_the_evening() -> None:
    """100 kWh: the whole night, plus the hour it still needs at the day rate, taken in the
    evening (the earlier of two equal prices) rather than after 07:00."""
    schedule = cheapest_schedule(
        NIGHT_RATE, ChargingNeed(100_000, DEPARTURE, ELEVEN_KW), Decimal(16), NOW
    )
    # night 8 h x 11,040 W = 88,320 Wh; 11,680 Wh more at 16 A is 3,809 s from 18:00
    assert schedule.periods == periods(
        (0, "16.0"), (3_809, "0"), (18_000, "16.0"), (46_800, "0"), (48_600, "16.0")
    )
    assert schedule.meets_need


def test_a_need_that_cannot_be_met_charges_flat_out_and_says_by_how_much() -> None:
    """200 kWh in 13.5 hours at 11 kW cannot be done: 16 A from now, 50,960 Wh short."""
    schedule = cheapest_schedule(
        NIGHT_RATE, ChargingNeed(200_000, DEPARTURE, ELEVEN_KW), Decimal(16), NOW
    )
    assert schedule.periods == periods((0, "16.0"))
    assert not schedule.meets_need and schedule.shortfall_wh == 200_000 - 149_040


def test_the_allocator_limit_and_the_car_maximum_both_cap_the_schedule() -> None:
    """A single-phase hybrid at 3.7 kW is held to 16 A; an allocator limit of 8 A holds it lower."""
    hybrid = ChargingNeed(10_000, DEPARTURE, 3_680, phases=1)
    assert {p.limit_a for p in cheapest_schedule(NIGHT_RATE, hybrid, Decimal(32), NOW).periods} == {
        Decimal(0),
        Decimal("16.0"),
    }
    capped = cheapest_schedule(NIGHT_RATE, hybrid, Decimal(8), NOW)
    assert max(p.limit_a for p in capped.periods) == Decimal("8.0")
    assert capped.meets_need


def test_a_limit_below_the_minimum_cannot_charge_at_all() -> None:
    """At 5 A an AC car draws nothing: the schedule says it falls short of all of its need."""
    schedule = cheapest_schedule(
        NIGHT_RATE, ChargingNeed(5_000, DEPARTURE, ELEVEN_KW), Decimal(5), NOW
    )
    assert schedule.periods == periods((0, "0"))
    assert not schedule.meets_need and schedule.shortfall_wh == 5_000


@pytest.mark.parametrize(
    "build",
    [
        lambda: DayPrices("Mars/Olympus", (PriceStep(time(0), Decimal(1)),)),
        lambda: DayPrices("Asia/Almaty", ()),
        lambda: DayPrices("Asia/Almaty", (PriceStep(time(0), Decimal(-1)),)),
        lambda: ChargingNeed(1, DEPARTURE.replace(tzinfo=None), 1),
        lambda: ChargingNeed(-1, DEPARTURE, 1),
    ],
)
def test_bad_prices_and_needs_are_refused(build: object) -> None:
    """An unknown zone, no prices, a negative price or energy, a naive departure: refused."""
    with pytest.raises(InvalidInput):
        build()  # type: ignore[operator]


# -- properties ----------------------------------------------------------------------------------


def delivered(
    schedule: Schedule, need: ChargingNeed, prices: DayPrices, now: datetime
) -> tuple[Decimal, Decimal]:
    """Energy (Wh) and cost the periods come to before departure, integrated independently."""
    per_amp = need.voltage_v * need.phases
    bounds = [*(now + timedelta(seconds=p.start_s) for p in schedule.periods), need.departure]
    energy = cost = Decimal(0)
    for period, (start, end) in zip(schedule.periods, pairwise(bounds), strict=False):
        end = min(end, need.departure)
        minute = start
        while minute < end:  # price by minute: every step in these tests is on a whole minute
            step = min(end, minute + timedelta(minutes=1))
            wh = period.limit_a * per_amp * Decimal((step - minute).total_seconds()) / 3600
            energy += wh
            cost += wh / 1000 * prices.price_at(minute)
            minute = step
    return energy, cost


def asap_cost(
    energy: Decimal, need: ChargingNeed, limit: Decimal, prices: DayPrices, now: datetime
) -> Decimal:
    """What `energy` would cost charged at `limit` from now until done."""
    power = limit * need.voltage_v * need.phases
    cost = Decimal(0)
    minute = now
    while energy > 0 and minute < need.departure:
        wh = min(energy, power / 60)
        cost += wh / 1000 * prices.price_at(minute)
        energy -= wh
        minute += timedelta(minutes=1)
    return cost


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 23), st.sampled_from([0, 30]), st.integers(10, 120)),
        min_size=1,
        max_size=5,
        unique_by=lambda s: (s[0], s[1]),
    ),
    st.integers(0, 120_000),
    st.integers(1, 24 * 60),
    st.sampled_from([1, 3]),
    st.integers(4, 32),
)
def test_a_schedule_is_never_dearer_than_charging_at_once(
    steps: list[tuple[int, int, int]], energy_wh: int, minutes: int, phases: int, limit: int
) -> None:
    """The periods deliver what the schedule reports, meet the need whenever charging flat out
    would, and cost no more than the same energy taken as soon as possible."""
    prices = DayPrices("Asia/Almaty", tuple(PriceStep(time(h, m), Decimal(p)) for h, m, p in steps))
    need = ChargingNeed(energy_wh, NOW + timedelta(minutes=minutes), 22_080, phases=phases)
    schedule = cheapest_schedule(prices, need, Decimal(limit), NOW)
    energy, cost = delivered(schedule, need, prices, NOW)
    assert abs(energy - schedule.energy_wh) < 1 or not schedule.meets_need
    assert abs(cost - schedule.cost) < Decimal("0.001") or not schedule.meets_need
    allowed = min(Decimal(limit), Decimal(22_080) / (230 * phases)).quantize(Decimal("0.1"))
    allowed = allowed if allowed >= 6 else Decimal(0)
    flat_out_ws = allowed * 230 * phases * minutes * 60
    assert schedule.meets_need == (energy_wh == 0 or flat_out_ws >= energy_wh * 3600)
    if schedule.meets_need:
        assert energy >= energy_wh - Decimal("0.000001")
        assert cost <= asap_cost(energy, need, allowed, prices, NOW) + Decimal("0.001")
        assert all(
            p.limit_a == 0 or need.min_current_a <= p.limit_a <= allowed for p in schedule.periods
        )
    else:
        assert schedule.periods == (Period(0, allowed),)
