"""Properties of the engine over generated tariffs: more energy or more time never costs less.

OCPI's step rule bills a dimension's rounding at the price of its last period, so a session that
crosses into a cheaper element can end up cheaper than a shorter one when steps are large; the
properties below hold for step size 1 with any restrictions the property allows, and for any
step size when a dimension has one price. A bound given without `incl_vat` scales the VAT with
the total, which in a tariff mixing VAT rates can lower the total incl. VAT, so the generated
bounds carry both values (see docs/tariffs.md).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from steppe.domain.tariffs.engine import price
from steppe.domain.tariffs.models import Tariff
from steppe.domain.tariffs.periods import Session

FAST = settings(max_examples=60, deadline=None)
START = datetime(2025, 12, 31, 14, 0, tzinfo=UTC)  # 19:00 in Almaty, a few hours before 2026

prices = st.decimals(min_value=0, max_value=500, places=2, allow_nan=False, allow_infinity=False)
clock = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 30]))
days = st.lists(
    st.sampled_from(["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]),
    max_size=3,
    unique=True,
)


def restriction_sets(*, energy_bound: bool) -> st.SearchStrategy[dict[str, Any]]:
    options: dict[str, st.SearchStrategy[Any]] = {
        "start_time": clock,
        "end_time": clock,
        "day_of_week": days,
        "min_duration": st.integers(0, 4 * 3600),
        "max_duration": st.integers(0, 8 * 3600),
        "start_date": st.sampled_from(["2025-12-31", "2026-01-01"]),
        "end_date": st.sampled_from(["2026-01-01", "2026-01-02"]),
    }
    if energy_bound:
        options["min_kwh"] = st.integers(0, 40).map(str)
        options["max_kwh"] = st.integers(1, 60).map(str)
    return st.fixed_dictionaries({}, optional=options).filter(
        lambda r: (
            r.get("min_duration", 0) <= r.get("max_duration", 10**9)
            and int(r.get("min_kwh", 0)) <= int(r.get("max_kwh", 10**9))
        )
    )


def tariffs(*, energy_bound: bool, steps: st.SearchStrategy[int]) -> st.SearchStrategy[Tariff]:
    component = st.fixed_dictionaries(
        {
            "type": st.sampled_from(["ENERGY", "TIME", "PARKING_TIME", "FLAT"]),
            "price": prices.map(str),
            "step_size": steps,
        },
        optional={"vat": st.sampled_from(["0", "12", "20"])},
    )
    element = st.fixed_dictionaries(
        {"price_components": st.lists(component, min_size=1, max_size=3)},
        optional={"restrictions": restriction_sets(energy_bound=energy_bound)},
    )
    bounds = st.one_of(
        st.none(),
        st.builds(
            lambda v: {"excl_vat": str(v), "incl_vat": str(v * Decimal("1.16"))},
            prices.map(lambda p: p * 4),
        ),
    )
    return st.builds(
        lambda elements, low, high: Tariff.from_dict(
            {
                "id": "P",
                "currency": "KZT",
                "elements": elements,
                "min_price": low,
                "max_price": high
                if not (low and high and Decimal(high["excl_vat"]) < Decimal(low["excl_vat"]))
                else None,
            }
        ),
        st.lists(element, min_size=1, max_size=5),
        bounds,
        bounds,
    )


def cost(tariff: Tariff, session: Session) -> tuple[Decimal, Decimal]:
    costing = price(tariff, session)
    return costing.excl_vat, costing.incl_vat


def session(minutes: int, wh: int, parking_minutes: int = 0) -> Session:
    return Session.even(
        START,
        charging_seconds=minutes * 60,
        energy_wh=wh,
        parking_seconds=parking_minutes * 60,
        time_zone="Asia/Almaty",
        country="KZ",
    )


@FAST
@given(
    tariffs(energy_bound=False, steps=st.just(1)),
    st.integers(1, 600),
    st.integers(0, 80_000),
    st.integers(0, 20_000),
)
def test_more_energy_in_the_same_time_never_costs_less(
    tariff: Tariff, minutes: int, wh: int, more: int
) -> None:
    """With prices that depend on time (not on the energy so far), energy only adds cost."""
    low, high = cost(tariff, session(minutes, wh)), cost(tariff, session(minutes, wh + more))
    assert high[0] >= low[0] and high[1] >= low[1]


@FAST
@given(
    tariffs(energy_bound=True, steps=st.just(1)),
    st.integers(1, 600),
    st.integers(0, 240),
    st.integers(0, 200),
    st.integers(0, 120),
)
def test_charging_longer_at_the_same_rate_never_costs_less(
    tariff: Tariff, minutes: int, more: int, wh_per_minute: int, parking: int
) -> None:
    """A longer charge at a steady rate, or a longer stay afterwards, costs at least as much."""
    base = cost(tariff, session(minutes, minutes * wh_per_minute))
    longer = cost(tariff, session(minutes + more, (minutes + more) * wh_per_minute))
    assert longer[0] >= base[0] and longer[1] >= base[1]
    parked = cost(tariff, session(minutes, minutes * wh_per_minute, parking))
    assert parked[0] >= base[0] and parked[1] >= base[1]


one_price_per_dimension = st.builds(
    lambda energy, time, parking, steps: Tariff.from_dict(
        {
            "id": "S",
            "currency": "RUB",
            "elements": [
                {
                    "price_components": [
                        {"type": "ENERGY", "price": str(energy), "step_size": steps[0]},
                        {"type": "TIME", "price": str(time), "step_size": steps[1]},
                        {"type": "PARKING_TIME", "price": str(parking), "step_size": steps[2]},
                    ]
                }
            ],
        }
    ),
    prices,
    prices,
    prices,
    st.tuples(st.integers(0, 1000), st.integers(0, 3600), st.integers(0, 3600)),
)


@FAST
@given(
    one_price_per_dimension,
    st.integers(0, 600),
    st.integers(0, 600),
    st.integers(0, 80_000),
    st.integers(0, 80_000),
)
def test_any_step_size_keeps_a_single_price_monotonic(
    tariff: Tariff, minutes: int, more_minutes: int, wh: int, more_wh: int
) -> None:
    """With one price per dimension, rounding up by any step never makes more cost less."""
    small = session(minutes, wh)
    big = Session.even(
        START,
        charging_seconds=(minutes + more_minutes) * 60,
        energy_wh=wh + more_wh,
        time_zone="Europe/Moscow",
        country="RU",
    )
    assert cost(tariff, big) >= cost(tariff, small)


@FAST
@given(
    tariffs(energy_bound=True, steps=st.integers(0, 1800)),
    st.integers(0, 600),
    st.integers(0, 50_000),
)
def test_totals_are_whole_tenge_and_tiyn_and_vat_never_lowers_them(
    tariff: Tariff, minutes: int, wh: int
) -> None:
    """Totals carry exactly two decimals, and the total incl. VAT is at least the one excl."""
    costing = price(tariff, session(minutes, wh, parking_minutes=15))
    assert costing.excl_vat.as_tuple().exponent == -2
    assert costing.incl_vat.as_tuple().exponent == -2
    if tariff.min_price is None and tariff.max_price is None:
        assert costing.incl_vat >= costing.excl_vat
    assert sum((p.seconds for p in costing.periods), Decimal(0)) == minutes * 60 + 900
    assert costing.periods[0].start == START
    assert all(a.end == b.start for a, b in zip(costing.periods, costing.periods[1:], strict=False))
    assert costing.periods[-1].end == START + timedelta(minutes=minutes + 15)
