"""Simulated sessions pay what Steppe's pricing engine would charge for them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np

from steppe.domain.tariffs.engine import price
from steppe.domain.tariffs.models import Tariff
from steppe.domain.tariffs.periods import Session
from steppe.planning.revenue import SessionPricer, plain_components

ORIGIN = datetime(2025, 12, 30, tzinfo=UTC)
PLAIN = Tariff.from_dict(
    {
        "id": "plain",
        "currency": "KZT",
        "elements": [
            {
                "price_components": [
                    {"type": "ENERGY", "price": "86.21", "step_size": 100},
                    {"type": "TIME", "price": "37.5", "step_size": 60},
                    {"type": "FLAT", "price": "150"},
                ]
            },
            {"price_components": [{"type": "PARKING_TIME", "price": "600", "step_size": 300}]},
        ],
    }
)
NIGHT = Tariff.from_dict(
    {
        "id": "night",
        "currency": "RUB",
        "elements": [
            {
                "price_components": [{"type": "ENERGY", "price": "12.5", "vat": "20"}],
                "restrictions": {"start_time": "23:00", "end_time": "07:00"},
            },
            {"price_components": [{"type": "ENERGY", "price": "19.99"}]},
        ],
        "min_price": {"excl_vat": "50"},
    }
)


def _engine(
    tariff: Tariff, start_s: int, wh: int, charging: int, parking: int, zone: str, country: str
) -> tuple:
    session = Session.even(
        ORIGIN + timedelta(seconds=start_s),
        charging_seconds=charging,
        energy_wh=wh,
        parking_seconds=parking,
        time_zone=zone,
        country=country,
    )
    costing = price(tariff, session)
    return costing.excl_vat, costing.incl_vat


def test_the_quick_sum_of_a_plain_tariff_equals_the_engine_to_the_minor_unit() -> None:
    """Energy, time, parking and flat fee with step sizes and VAT: the quick path is exact."""
    assert plain_components(PLAIN) is not None
    pricer = SessionPricer(PLAIN, time_zone="Asia/Almaty", country="KZ", origin=ORIGIN)
    draws = random.Random(5)
    sessions = [
        (
            draws.randrange(0, 4 * 86400),
            draws.randrange(0, 90_000),
            draws.randrange(1, 9000),
            draws.randrange(0, 4000),
        )
        for _ in range(2000)
    ]
    columns = [np.array(column) for column in zip(*sessions, strict=True)]
    excl, incl = pricer.price_many(columns[0].astype(float), *columns[1:])
    for (start, wh, charging, parking), net, gross in zip(sessions, excl, incl, strict=True):
        expected = _engine(PLAIN, start, wh, charging, parking, "Asia/Almaty", "KZ")
        assert (Decimal(int(net)) / 100, Decimal(int(gross)) / 100) == expected
    for _ in range(100):
        # starts over four days around 2026-01-01, when Kazakhstan's VAT goes from 12 to 16 %
        start = draws.randrange(0, 4 * 86400)
        wh, charging, parking = (
            draws.randrange(0, 90_000),
            draws.randrange(1, 9000),
            draws.randrange(0, 4000),
        )
        got = pricer.price(float(start), wh, charging, parking)
        assert got == _engine(PLAIN, start, wh, charging, parking, "Asia/Almaty", "KZ")


def test_a_tariff_with_restrictions_is_priced_by_the_engine_itself() -> None:
    """A night rate and a minimum price are beyond the quick path: the engine prices them."""
    assert plain_components(NIGHT) is None
    pricer = SessionPricer(NIGHT, time_zone="Europe/Moscow", country="RU", origin=ORIGIN)
    draws = random.Random(9)
    for _ in range(40):
        start = draws.randrange(0, 3 * 86400)
        wh, charging = draws.randrange(0, 60_000), draws.randrange(60, 12_000)
        got = pricer.price(float(start), wh, charging, 0)
        assert got == _engine(NIGHT, start, wh, charging, 0, "Europe/Moscow", "RU")
