"""For every catalogue row, the advice a driver gets at a site with every kind of connector: the
connectors its inlets take and no other, each with its 20 -> 80 % charge priced in tenge."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from steppe.domain.stations.models import Registration, Station
from steppe.domain.tariffs.models import Tariff
from steppe.domain.vehicles.compatibility import estimate
from steppe.domain.vehicles.models import Vehicle
from steppe.domain.vehicles.service import advise, tariff_chooser
from tests.domain.vehicles.test_catalogue_rows import CARS, SITE

NOON_IN_ALMATY = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
TARIFF = Tariff.from_dict(
    {
        "id": "kz",
        "currency": "KZT",
        "elements": [
            {"price_components": [{"type": "FLAT", "price": "200"}]},
            {"price_components": [{"type": "ENERGY", "price": "100"}]},
        ],
    }
)
STATION = Station(
    id="ALA-EVERY-KIND",
    registration=Registration.ACCEPTED,
    security_profile=1,
    has_password=True,
    country="KZ",
    time_zone="Asia/Almaty",
    connectors=SITE,
)


@pytest.mark.parametrize("vehicle", CARS, ids=lambda vehicle: vehicle.id)
def test_each_row_is_advised_its_own_connectors_with_a_price(vehicle: Vehicle) -> None:
    """Usable standards are exactly the inlets; each price is the flat fee plus the metered
    energy in whole Wh at 100 KZT/kWh, with Kazakhstan's 16 % VAT of 2026 on top."""
    chooser = tariff_chooser({None: ("kz",)}, {"kz": TARIFF}, NOON_IN_ALMATY)
    advice = advise(vehicle, STATION, chooser, now=NOON_IN_ALMATY)
    assert {item.fit.standard for item in advice.usable} == set(vehicle.inlets)
    assert len(advice.usable) + len(advice.unusable) == len(SITE)
    for item in advice.usable:
        charge = estimate(vehicle, item.connector)
        assert item.charge == charge
        assert item.cost is not None and item.cost.currency == "KZT"
        excl = Decimal(200) + Decimal(math.ceil(charge.energy_kwh * 1000)) / 10
        assert item.cost.excl_vat == excl.quantize(Decimal("0.01"))
        assert item.cost.incl_vat == (excl * Decimal("1.16")).quantize(Decimal("0.01"))


def test_an_evse_of_its_own_tariff_wins_and_no_tariff_means_no_price() -> None:
    """EVSE 2 has its own tariff; a station with none gives a charge time and no price."""
    cheap = Tariff.from_dict({**TARIFF.as_dict(), "id": "cheap", "min_price": None})
    chooser = tariff_chooser(
        {None: ("kz",), 2: ("cheap",)}, {"kz": TARIFF, "cheap": cheap}, NOON_IN_ALMATY
    )
    assert chooser(2) is cheap and chooser(1) is TARIFF
    car = next(car for car in CARS if car.id == "leapmotor-c10-cn-2024")
    bare = advise(car, STATION, tariff_chooser({}, {}, NOON_IN_ALMATY), now=NOON_IN_ALMATY)
    assert bare.usable and all(item.cost is None for item in bare.usable)
