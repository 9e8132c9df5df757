"""The worked examples of the OCPI 2.2.1 tariffs module, priced by the engine to the cent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from steppe.domain.tariffs.engine import Costing, price
from steppe.domain.tariffs.models import Tariff
from steppe.domain.tariffs.periods import Segment, Session

# A Monday, in UTC (the examples give local times; the location here is in UTC).
MONDAY = datetime(2025, 6, 2, tzinfo=UTC)


def tariff(*elements: dict[str, Any], **extra: Any) -> Tariff:
    return Tariff.from_dict({"id": "T", "currency": "EUR", "elements": list(elements), **extra})


def energy(
    value: str, vat: str | None = "10", step: int = 1, **restrictions: Any
) -> dict[str, Any]:
    component = {"type": "ENERGY", "price": value, "vat": vat, "step_size": step}
    return {"price_components": [component], "restrictions": restrictions or None}


def component(kind: str, value: str, vat: str | None, step: int = 1) -> dict[str, Any]:
    return {"type": kind, "price": value, "vat": vat, "step_size": step}


def totals(costing: Costing) -> tuple[str, str]:
    return str(costing.excl_vat), str(costing.incl_vat)


def charge(kwh: str, *, minutes: float = 60, parking_minutes: float = 0) -> Session:
    return Session.even(
        MONDAY + timedelta(hours=10),
        charging_seconds=int(minutes * 60),
        energy_wh=Decimal(kwh) * 1000,
        parking_seconds=int(parking_minutes * 60),
    )


def test_simple_energy_price() -> None:
    """0.25 EUR/kWh with 10 % VAT: 20 kWh cost 5.00 excl. and 5.50 incl. VAT."""
    assert totals(price(tariff(energy("0.25")), charge("20"))) == ("5.00", "5.50")


def test_energy_and_start_fee() -> None:
    """A 0.50 start fee at 20 % VAT on top: 5.50 excl. and 6.10 incl. VAT."""
    t = tariff({"price_components": [component("FLAT", "0.50", "20")]}, energy("0.25"))
    assert totals(price(t, charge("20"))) == ("5.50", "6.10")


def test_minimum_price_lifts_a_small_session() -> None:
    """min_price 0.50/0.55: 20 kWh cost 5.00/5.50, 1 kWh is lifted to 0.50/0.55."""
    t = tariff(energy("0.25"), min_price={"excl_vat": "0.50", "incl_vat": "0.55"})
    assert totals(price(t, charge("20"))) == ("5.00", "5.50")
    small = price(t, charge("1"))
    assert totals(small) == ("0.50", "0.55")
    assert small.clamped_by == "min_price"


def test_energy_parking_and_start_fee() -> None:
    """20 kWh and 40 min parking billed per 15 min: 7.00 excl. and 7.90 incl. VAT."""
    t = tariff(
        {"price_components": [component("FLAT", "0.50", "20")]},
        energy("0.25"),
        {"price_components": [component("PARKING_TIME", "2.00", "20", 900)]},
    )
    costing = price(t, charge("20", parking_minutes=40))
    assert totals(costing) == ("7.00", "7.90")
    [parking] = [d for d in costing.dimensions if d.dimension == "PARKING_TIME"]
    assert parking.measured == 2400 and parking.billed == 2700


def test_maximum_price_caps_a_big_session() -> None:
    """max_price 10/11: 50 kWh cost 10.00/11.00; 30 kWh stay below at 8.00/8.85."""
    t = tariff(
        {"price_components": [component("FLAT", "0.50", "20")]},
        energy("0.25"),
        max_price={"excl_vat": "10.00", "incl_vat": "11.00"},
        end_date_time="2019-06-30T23:59:59Z",
    )
    assert totals(price(t, charge("50"))) == ("10.00", "11.00")
    assert totals(price(t, charge("30"))) == ("8.00", "8.85")


def test_two_euro_per_hour_charging() -> None:
    """2.00 EUR/h charging billed per minute: 2.5 hours cost 5.00/5.50; parking is free."""
    t = tariff({"price_components": [component("TIME", "2.00", "10", 60)]})
    assert totals(price(t, charge("30", minutes=150, parking_minutes=20))) == ("5.00", "5.50")


def test_charging_and_parking_by_the_hour() -> None:
    """3.00/h charging per minute, 5.00/h parking per 5 min: 150 + 42 min cost 11.25/12.75."""
    t = tariff(
        {
            "price_components": [
                component("TIME", "3.00", "10", 60),
                component("PARKING_TIME", "5.00", "20", 300),
            ]
        }
    )
    costing = price(t, charge("30", minutes=150, parking_minutes=42))
    assert totals(costing) == ("11.25", "12.75")


def test_alternative_text_tariff_per_five_minutes() -> None:
    """1.90/h per 5 min with 5.2 % VAT: 2.5 hours cost 4.75 excl. and 5.00 incl. VAT."""
    t = tariff(
        {"price_components": [component("TIME", "1.90", "5.2", 300)]},
        tariff_alt_text=[{"language": "en", "text": "1.90 euro per hour"}],
    )
    assert totals(price(t, charge("10", minutes=150))) == ("4.75", "5.00")


def test_energy_billed_per_hundred_wh() -> None:
    """0.25/kWh per 100 Wh: 20.45 kWh are billed as 20.5 kWh: 5.13/5.64 (the spec says 5.50)."""
    costing = price(tariff(energy("0.25", step=100)), charge("20.45"))
    [total] = costing.dimensions
    assert total.billed == 20500
    # 20.5 kWh x 0.25 = 5.125 -> 5.13; incl. 10 % VAT 5.6375 -> 5.64.
    assert totals(costing) == ("5.13", "5.64")


COMPLEX = [
    {"price_components": [component("FLAT", "2.50", "15")]},
    {
        "price_components": [component("TIME", "1.00", "20", 900)],
        "restrictions": {"max_current": "32.00"},
    },
    {
        "price_components": [component("TIME", "2.00", "20", 600)],
        "restrictions": {
            "min_current": "32.00",
            "day_of_week": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
        },
    },
    {
        "price_components": [component("TIME", "1.25", "20", 600)],
        "restrictions": {"min_current": "32.00", "day_of_week": ["SATURDAY", "SUNDAY"]},
    },
    {
        "price_components": [component("PARKING_TIME", "5.00", "10", 300)],
        "restrictions": {
            "start_time": "09:00",
            "end_time": "18:00",
            "day_of_week": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
        },
    },
    {
        "price_components": [component("PARKING_TIME", "6.00", "10", 300)],
        "restrictions": {"start_time": "10:00", "end_time": "17:00", "day_of_week": ["SATURDAY"]},
    },
]


def test_complex_tariff_on_a_monday_morning() -> None:
    """Monday 09:30, 147 min at 16 A then 42 min parked: 8.75 excl. and 10.00 incl. VAT."""
    session = Session.even(
        MONDAY + timedelta(hours=9, minutes=30),
        charging_seconds=147 * 60,
        energy_wh=12000,
        parking_seconds=42 * 60,
        current_a=Decimal(16),
    )
    costing = price(tariff(*COMPLEX), session)
    assert totals(costing) == ("8.75", "10.00")
    billed = {d.dimension.value: d.billed for d in costing.dimensions}
    assert billed == {"TIME": 150 * 60, "PARKING_TIME": 45 * 60, "FLAT": 1}


def test_complex_tariff_on_a_saturday_afternoon() -> None:
    """Saturday 13:30, 114 min at 43 A then 71 min parked: 12.50 excl. and 14.13 incl. VAT."""
    session = Session.even(
        MONDAY + timedelta(days=5, hours=13, minutes=30),
        charging_seconds=114 * 60,
        energy_wh=40000,
        parking_seconds=71 * 60,
        current_a=Decimal(43),
    )
    assert totals(price(tariff(*COMPLEX), session)) == ("12.50", "14.13")


def test_free_of_charge() -> None:
    """A FLAT 0.00 tariff costs nothing whatever is charged."""
    t = tariff({"price_components": [component("FLAT", "0.00", None)]})
    assert totals(price(t, charge("40", parking_minutes=90))) == ("0.00", "0.00")


def test_first_kwh_and_first_hour_of_parking_free() -> None:
    """Corrected figure: durations count from the session start, so 1 h charging + 2.75 h parked
    cost 19 kWh x 0.20 + 2 h x 2.00 + 0.75 h x 3.00 = 10.05 (the spec's 7.30 assumes no charging
    time at all, which this reproduces with a charge of a few seconds)."""
    t = tariff(
        {
            "price_components": [component("PARKING_TIME", "0.0", None, 60)],
            "restrictions": {"min_duration": 0, "max_duration": 3600},
        },
        {
            "price_components": [component("PARKING_TIME", "2.0", None, 60)],
            "restrictions": {"min_duration": 3600, "max_duration": 10800},
        },
        {
            "price_components": [component("PARKING_TIME", "3.0", None, 60)],
            "restrictions": {"min_duration": 10800},
        },
        energy("0.0", vat=None, max_kwh="1.0"),
        energy("0.2", vat=None, min_kwh="1.0"),
    )
    costing = price(t, charge("20", minutes=60, parking_minutes=165))
    assert totals(costing) == ("10.05", "10.05")
    instant = Session.even(MONDAY, charging_seconds=1, energy_wh=20000, parking_seconds=9900)
    assert price(t, instant).excl_vat == Decimal("7.30")


def test_max_power_restriction() -> None:
    """1 kWh at 6 kW, 40 kWh at 48 kW, 0.5 kWh at 4 kW: 0.20 + 20.00 + 0.10 = 20.30."""
    t = tariff(
        energy("0.20", vat="20", max_power="16.00"),
        energy("0.35", vat="20", max_power="32.00"),
        energy("0.50", vat="20"),
    )
    start = MONDAY + timedelta(hours=8)
    a = start + timedelta(minutes=10)  # 1 kWh in 10 min = 6 kW
    b = a + timedelta(minutes=50)  # 40 kWh in 50 min = 48 kW
    c = b + timedelta(minutes=7, seconds=30)  # 0.5 kWh in 7.5 min = 4 kW
    session = Session(
        start,
        (
            Segment(start, a, Decimal(1000), True),
            Segment(a, b, Decimal(40000), True),
            Segment(b, c, Decimal(500), True),
        ),
    )
    assert price(t, session).excl_vat == Decimal("20.30")


def test_max_duration_restriction() -> None:
    """Free for 30 min, then 0.25/kWh: 5 kWh in 30 min and 1.2 kWh in 10 more cost 0.30."""
    t = tariff(
        energy("0.00", vat="20", max_duration=1800),
        energy("0.25", vat="20", max_duration=3600),
        energy("0.40", vat="20"),
    )
    start = MONDAY + timedelta(hours=12)
    half = start + timedelta(minutes=30)
    session = Session(
        start,
        (
            Segment(start, half, Decimal(5000), True),
            Segment(half, half + timedelta(minutes=10), Decimal(1200), True),
        ),
    )
    costing = price(t, session)
    assert totals(costing) == ("0.30", "0.36")


STEP_SIZE = [
    {
        "price_components": [
            component("TIME", "1.20", None, 1800),
            component("PARKING_TIME", "1.00", None, 900),
        ],
        "restrictions": {"start_time": "00:00", "end_time": "17:00"},
    },
    {
        "price_components": [
            component("TIME", "2.40", None, 900),
            component("PARKING_TIME", "1.00", None, 900),
        ],
        "restrictions": {"start_time": "17:00", "end_time": "20:00"},
    },
    {
        "price_components": [component("TIME", "2.40", None, 900)],
        "restrictions": {"start_time": "20:00", "end_time": "23:59"},
    },
]


def test_step_size_when_switching_element() -> None:
    """16:35 + 35 min charging: 25 min at 1.20/h, then 45 - 25 = 20 min at 2.40/h: 1.30."""
    session = Session.even(
        MONDAY + timedelta(hours=16, minutes=35), charging_seconds=35 * 60, energy_wh=5000
    )
    assert price(tariff(*STEP_SIZE), session).excl_vat == Decimal("1.30")


def test_step_size_with_parking_after_the_switch() -> None:
    """16:55, 10 min charging then 2 min parked: charging 0.10 + 0.40 = 0.50 as in the spec.

    The spec calls the 2 parked minutes "within" the rounded charging time; Steppe rounds each
    dimension on its own (as the spec's complex example does), so parking adds 15 min at 1.00/h.
    """
    session = Session.even(
        MONDAY + timedelta(hours=16, minutes=55),
        charging_seconds=600,
        energy_wh=2000,
        parking_seconds=120,
    )
    costing = price(tariff(*STEP_SIZE), session)
    amounts = {d.dimension.value: d.amount for d in costing.dimensions}
    assert amounts["TIME"] == Decimal("0.50")
    assert amounts["PARKING_TIME"] == Decimal("0.25")
    assert costing.excl_vat == Decimal("0.75")


def test_step_size_into_free_parking() -> None:
    """19:55, 10 min charging then 2 min parked after 20:00 (free): 0.20 + 0.40 = 0.60."""
    session = Session.even(
        MONDAY + timedelta(hours=19, minutes=55),
        charging_seconds=600,
        energy_wh=2000,
        parking_seconds=120,
    )
    costing = price(tariff(*STEP_SIZE), session)
    assert costing.excl_vat == Decimal("0.60")
    assert [d.dimension.value for d in costing.dimensions] == ["TIME"]
