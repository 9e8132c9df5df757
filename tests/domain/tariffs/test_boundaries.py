"""Boundaries in tenge and roubles: night rates past midnight, exclusive ends, DST, VAT change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from steppe.domain.tariffs.engine import price
from steppe.domain.tariffs.models import Tariff
from steppe.domain.tariffs.periods import Session
from steppe.domain.tariffs.vat import vat_rate
from steppe.errors import InvalidInput

ALMATY = ZoneInfo("Asia/Almaty")
MOSCOW = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")


def tariff(currency: str, *elements: dict[str, Any], **extra: Any) -> Tariff:
    return Tariff.from_dict({"id": "T", "currency": currency, "elements": list(elements), **extra})


def element(
    kind: str, value: str, step: int = 1, vat: str | None = None, **r: Any
) -> dict[str, Any]:
    component = {"type": kind, "price": value, "step_size": step, "vat": vat}
    return {"price_components": [component], "restrictions": r or None}


def local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)  # type: ignore[misc]


DAY_NIGHT_KZT = (
    element("ENERGY", "60", start_time="23:00", end_time="07:00"),
    element("ENERGY", "90"),
)


def test_night_rate_starts_at_local_midnight_wrap_in_almaty() -> None:
    """22:00-00:00 in Almaty, 20 kWh evenly: 10 kWh at 90 + 10 kWh at 60 = 1,500 KZT + 12 % VAT."""
    session = Session.even(
        local(ALMATY, 2025, 6, 10, 22, 0),
        charging_seconds=7200,
        energy_wh=20000,
        time_zone="Asia/Almaty",
        country="KZ",
    )
    costing = price(tariff("KZT", *DAY_NIGHT_KZT), session)
    assert (costing.excl_vat, costing.incl_vat) == (Decimal("1500.00"), Decimal("1680.00"))
    rates = [(p.start.astimezone(ALMATY).hour, p.charges[0].price) for p in costing.periods]
    assert rates == [(22, 90), (23, 60)]


def test_night_rate_ends_at_seven_in_the_morning() -> None:
    """06:00-08:00 local: the wrapped window ends at 07:00 exactly (its end is exclusive)."""
    session = Session.even(
        local(ALMATY, 2025, 6, 10, 6, 0),
        charging_seconds=7200,
        energy_wh=20000,
        time_zone="Asia/Almaty",
        country="KZ",
    )
    assert price(tariff("KZT", *DAY_NIGHT_KZT), session).excl_vat == Decimal("1500.00")


def test_the_same_session_in_utc_sees_other_hours() -> None:
    """The location's zone matters: read as UTC, 17:00-19:00 is all day rate."""
    session = Session.even(
        local(ALMATY, 2025, 6, 10, 22, 0), charging_seconds=7200, energy_wh=20000, country="KZ"
    )
    assert price(tariff("KZT", *DAY_NIGHT_KZT), session).excl_vat == Decimal("1800.00")


def test_vat_changes_at_almaty_midnight_of_2026() -> None:
    """23:00-01:00 across 2026-01-01 in Almaty: 500 KZT at 12 % and 500 KZT at 16 % = 1,140."""
    session = Session.even(
        local(ALMATY, 2025, 12, 31, 23, 0),
        charging_seconds=7200,
        energy_wh=10000,
        time_zone="Asia/Almaty",
        country="KZ",
    )
    costing = price(tariff("KZT", element("ENERGY", "100")), session)
    assert (costing.excl_vat, costing.incl_vat) == (Decimal("1000.00"), Decimal("1140.00"))
    assert [c.vat for p in costing.periods for c in p.charges] == [12, 16]


def test_vat_follows_the_local_date_not_the_utc_one() -> None:
    """01:00-03:00 on 2026-01-01 in Almaty is still 2025 in UTC, and pays the new 16 %."""
    session = Session.even(
        local(ALMATY, 2026, 1, 1, 1, 0),
        charging_seconds=7200,
        energy_wh=10000,
        time_zone="Asia/Almaty",
        country="KZ",
    )
    assert session.start.year == 2025
    assert price(tariff("KZT", element("ENERGY", "100")), session).incl_vat == Decimal("1160.00")


def test_russian_vat_rises_to_22_percent_in_moscow() -> None:
    """Moscow, 20 RUB/kWh: 22:00-02:00 across the new year, 40 kWh evenly, 20 % then 22 %."""
    session = Session.even(
        local(MOSCOW, 2025, 12, 31, 22, 0),
        charging_seconds=4 * 3600,
        energy_wh=40000,
        time_zone="Europe/Moscow",
        country="RU",
    )
    costing = price(tariff("RUB", element("ENERGY", "20")), session)
    # 20 kWh x 20 = 400 x 1.20 = 480; 20 kWh x 20 = 400 x 1.22 = 488
    assert (costing.excl_vat, costing.incl_vat) == (Decimal("800.00"), Decimal("968.00"))


def test_a_component_vat_wins_over_the_country_rate() -> None:
    """A component that states 0 % VAT pays none even in Kazakhstan."""
    session = Session.even(
        local(ALMATY, 2026, 3, 1, 12, 0),
        charging_seconds=3600,
        energy_wh=10000,
        time_zone="Asia/Almaty",
        country="KZ",
    )
    costing = price(tariff("KZT", element("ENERGY", "100", vat="0")), session)
    assert costing.incl_vat == costing.excl_vat == Decimal("1000.00")


def test_end_date_is_exclusive() -> None:
    """A promotion with end_date 2026-01-01 stops at local midnight, not a day later."""
    t = tariff(
        "KZT",
        element("ENERGY", "50", end_date="2026-01-01"),
        element("ENERGY", "70"),
    )
    session = Session.even(
        local(ALMATY, 2025, 12, 31, 23, 0),
        charging_seconds=7200,
        energy_wh=10000,
        time_zone="Asia/Almaty",
        country="KZ",
    )
    assert price(t, session).excl_vat == Decimal("600.00")


def test_day_of_week_switches_at_local_midnight() -> None:
    """Weekend parking is free: Friday 23:30 to Saturday 00:30 in Moscow bills 30 min only."""
    t = tariff(
        "RUB",
        element("PARKING_TIME", "0", day_of_week=["SATURDAY", "SUNDAY"]),
        element("PARKING_TIME", "120"),
    )
    session = Session.even(
        local(MOSCOW, 2026, 3, 6, 23, 30),  # a Friday
        charging_seconds=0,
        energy_wh=0,
        parking_seconds=3600,
        time_zone="Europe/Moscow",
        country="RU",
    )
    assert price(t, session).excl_vat == Decimal("60.00")


def test_spring_forward_gap_in_a_dst_zone() -> None:
    """Berlin 2025-03-30, 01:00 CET for two real hours: 1 h night (to 03:00 CEST) + 1 h day."""
    t = tariff(
        "EUR", element("TIME", "60", start_time="22:00", end_time="03:00"), element("TIME", "120")
    )
    session = Session.even(
        local(BERLIN, 2025, 3, 30, 1, 0),
        charging_seconds=7200,
        energy_wh=10000,
        time_zone="Europe/Berlin",
    )
    assert session.end.astimezone(BERLIN).hour == 4
    assert price(t, session).excl_vat == Decimal("180.00")


def test_fall_back_repeats_an_hour_in_a_dst_zone() -> None:
    """Berlin 2025-10-26: 02:00-02:30 happens twice and is night both times (2 h night, 1 h day)."""
    t = tariff(
        "EUR", element("TIME", "60", start_time="22:00", end_time="02:30"), element("TIME", "120")
    )
    session = Session.even(
        local(BERLIN, 2025, 10, 26, 1, 0),
        charging_seconds=3 * 3600,
        energy_wh=10000,
        time_zone="Europe/Berlin",
    )
    assert price(t, session).excl_vat == Decimal("240.00")


def test_kwh_bounds_split_a_session_exactly() -> None:
    """The first 10 kWh at 120 KZT, the rest at 80 (max_kwh exclusive, min_kwh inclusive)."""
    t = tariff(
        "KZT",
        element("ENERGY", "120", max_kwh="10"),
        element("ENERGY", "80", min_kwh="10"),
    )
    session = Session.even(
        local(ALMATY, 2026, 2, 2, 12, 0),
        charging_seconds=3333,
        energy_wh=25000,
        time_zone="Asia/Almaty",
        country="KZ",
    )
    costing = price(t, session)
    assert costing.excl_vat == Decimal("2400.00")
    assert costing.incl_vat == Decimal("2784.00")


def test_step_size_and_minimum_price_in_roubles() -> None:
    """A 10 RUB start, 25 RUB/kWh per 100 Wh, minimum 150 RUB incl. 22 % VAT."""
    t = tariff(
        "RUB",
        element("FLAT", "10"),
        element("ENERGY", "25", step=100),
        min_price={"excl_vat": "122.95", "incl_vat": "150.00"},
    )
    start = local(MOSCOW, 2026, 4, 1, 9, 0)
    big = Session.even(start, charging_seconds=3600, energy_wh=20001, country="RU")
    # 20.1 kWh billed x 25 = 502.50 + 10 = 512.50; incl. VAT x 1.22 = 625.25
    assert (price(t, big).excl_vat, price(t, big).incl_vat) == (
        Decimal("512.50"),
        Decimal("625.25"),
    )
    small = Session.even(start, charging_seconds=600, energy_wh=1234, country="RU")
    costing = price(t, small)
    assert (costing.excl_vat, costing.incl_vat) == (Decimal("122.95"), Decimal("150.00"))


def test_rounding_happens_once_at_the_end() -> None:
    """Three periods of 1/3 tenge each add up to 1.00, not 3 x 0.33."""
    t = tariff(
        "KZT",
        element("TIME", "1", start_time="00:00", end_time="08:00"),
        element("TIME", "1", start_time="08:00", end_time="16:00"),
        element("TIME", "1"),
    )
    session = Session.even(
        local(ALMATY, 2026, 2, 2, 7, 40),
        charging_seconds=3600,
        energy_wh=0,
        time_zone="Asia/Almaty",
    )
    costing = price(t, session)
    assert len(costing.periods) == 2 and costing.excl_vat == Decimal("1.00")


def test_half_up_rounding_of_the_last_kopek() -> None:
    """0.005 RUB rounds up to 0.01."""
    t = tariff("RUB", element("ENERGY", "0.5", vat="0"))
    session = Session.even(local(MOSCOW, 2026, 2, 2, 7, 0), charging_seconds=60, energy_wh=10)
    assert price(t, session).excl_vat == Decimal("0.01")


def test_flat_fee_for_a_session_of_no_duration() -> None:
    """A session that starts and stops at once still pays its start fee, once."""
    t = tariff("KZT", element("FLAT", "200"), element("FLAT", "300"), element("ENERGY", "90"))
    session = Session.even(local(ALMATY, 2026, 2, 2, 7, 0), charging_seconds=0, energy_wh=0)
    assert price(t, session).excl_vat == Decimal("200.00")


def test_vat_table() -> None:
    """Rates by country and date; unknown countries have none."""
    from datetime import date

    assert vat_rate("KZ", date(2025, 12, 31)) == 12
    assert vat_rate("KZ", date(2026, 1, 1)) == 16
    assert vat_rate("RU", date(2025, 12, 31)) == 20
    assert vat_rate("RU", date(2026, 1, 1)) == 22
    assert vat_rate("GE", date(2026, 1, 1)) == 18
    assert vat_rate("ZZ", date(2026, 1, 1)) is None
    assert vat_rate(None, date(2026, 1, 1)) is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"currency": "XXX"}, "currency"),
        ({"elements": []}, "elements"),
        ({"elements": [{"price_components": [{"type": "ENERGY", "price": "-1"}]}]}, "price"),
        (
            {
                "elements": [
                    {
                        "price_components": [{"type": "TIME", "price": 1}],
                        "restrictions": {"start_time": "25:00"},
                    }
                ]
            },
            "elements[0].restrictions.start_time",
        ),
        ({"min_price": {"excl_vat": "5"}, "max_price": {"excl_vat": "4"}}, "max_price"),
    ],
)
def test_invalid_tariffs_name_the_field(body: dict[str, Any], field: str) -> None:
    """A bad tariff is refused with the field that is wrong."""
    data: dict[str, Any] = {
        "id": "T",
        "currency": "KZT",
        "elements": [{"price_components": [{"type": "ENERGY", "price": "1"}]}],
    }
    data.update(body)
    with pytest.raises(InvalidInput, match=field.replace("[", r"\[").replace("]", r"\]")):
        Tariff.from_dict(data)


def test_round_trip_through_json_keeps_every_value() -> None:
    """as_dict then from_dict gives the same tariff."""
    t = tariff(
        "KZT",
        element("ENERGY", "60.50", step=100, vat="16", start_time="23:00", end_time="07:00"),
        element("FLAT", "100", day_of_week=["MONDAY"], min_kwh="0.5", max_duration=600),
        min_price={"excl_vat": "100", "incl_vat": "116"},
        start_date_time="2026-01-01T00:00:00+05:00",
    )
    again = Tariff.from_dict(t.as_dict())
    assert again == t
    assert again.start_date_time == datetime(2025, 12, 31, 19, tzinfo=UTC)
    assert again.valid_at(datetime(2025, 12, 31, 19, tzinfo=UTC))
    assert not again.valid_at(datetime(2025, 12, 31, 19, tzinfo=UTC) - timedelta(seconds=1))
