"""Every shipped catalogue row is offered exactly the connectors its inlets take, and a few real
cars' charge times match the arithmetic done by hand."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from steppe.domain.stations.models import Connector
from steppe.domain.vehicles.compatibility import (
    AC_LOSS,
    DC_LOSS,
    estimate,
    power_at,
    usable_connectors,
)
from steppe.domain.vehicles.models import DC_INLETS, Catalogue, Market, Powertrain, Vehicle, slug

CATALOGUE = Catalogue.load()
CARS = CATALOGUE.all()

# A site with one of everything a car in the region may meet.
EVERY_KIND = (
    ("GBT_AC", "AC_1_PHASE", "7"),
    ("GBT_DC", "DC", "120"),
    ("IEC_62196_T2", "AC_3_PHASE", "22"),
    ("IEC_62196_T2", "AC_1_PHASE", "7.4"),
    ("IEC_62196_T2_COMBO", "DC", "150"),
    ("CHADEMO", "DC", "50"),
    ("IEC_62196_T1", "AC_1_PHASE", "7.4"),
    ("IEC_62196_T1_COMBO", "DC", "150"),
    ("NACS", "DC", "250"),
)
SITE = tuple(
    Connector(
        evse_id=number,
        connector_id=1,
        status="Available",
        standard=standard,
        power_type=power_type,
        max_power_kw=kw,
    )
    for number, (standard, power_type, kw) in enumerate(EVERY_KIND, start=1)
)
GBT = {"GBT_AC", "GBT_DC"}
TYPE_2_CCS2 = {"IEC_62196_T2", "IEC_62196_T2_COMBO"}


def car(vehicle_id: str) -> Vehicle:
    return CATALOGUE.get(vehicle_id)


def point(standard: str, power_type: str, kw: str) -> Connector:
    return Connector(
        evse_id=1,
        connector_id=1,
        status="Available",
        standard=standard,
        power_type=power_type,
        max_power_kw=kw,
    )


def test_the_catalogue_covers_the_region() -> None:
    """40-70 rows, the Leapmotor and Hongqi models in both markets, BEVs, PHEVs and EREVs."""
    assert 40 <= len(CARS) <= 70
    assert set(CATALOGUE.variants("Leapmotor", "C10")) >= {Market.CN, Market.EU}
    assert set(CATALOGUE.variants("Hongqi", "E-HS9")) >= {Market.CN, Market.EU}
    for model in ("T03", "C10", "B10", "C16", "C01"):
        assert CATALOGUE.find("Leapmotor", model, "CN" if model != "B10" else "EU", 2024)
    assert {car.powertrain for car in CARS} == set(Powertrain)
    assert all(car.source for car in CARS)


@pytest.mark.parametrize("vehicle", CARS, ids=lambda vehicle: vehicle.id)
def test_each_row_is_offered_exactly_what_its_inlets_take(vehicle: Vehicle) -> None:
    """On a site with every kind of connector, a car gets each of its inlets' connectors and
    nothing else; only a car with a DC inlet gets DC; a 20 -> 80 % charge is possible on each."""
    fits = usable_connectors(vehicle, SITE)
    offered = {fit.standard for fit in fits}
    assert offered == set(vehicle.inlets)
    if vehicle.variant is Market.CN:
        assert offered <= GBT
    if set(vehicle.inlets) == TYPE_2_CCS2:
        assert offered == TYPE_2_CCS2
    has_dc_inlet = bool(DC_INLETS & set(vehicle.inlets))
    assert any(fit.is_dc for fit in fits) == has_dc_inlet
    assert vehicle.id == slug(
        vehicle.make, vehicle.model, vehicle.variant, vehicle.model_year, vehicle.trim
    )
    for fit in fits:
        result = estimate(vehicle, fit.connector)
        loss = DC_LOSS if fit.is_dc else AC_LOSS
        assert result.energy_kwh == vehicle.battery_kwh * Decimal("0.6") / (1 - loss)
        assert result.duration.total_seconds() > 0


def test_a_chinese_leapmotor_c10_gets_only_gbt_and_a_european_one_only_type_2_and_ccs2() -> None:
    cn = {fit.standard for fit in usable_connectors(car("leapmotor-c10-cn-2024"), SITE)}
    eu = {fit.standard for fit in usable_connectors(car("leapmotor-c10-eu-2024"), SITE)}
    assert (cn, eu) == (GBT, TYPE_2_CCS2)


def test_an_ac_only_plug_in_hybrid_gets_no_dc_at_all() -> None:
    """The short-range Song Plus DM-i has a GB/T AC inlet only: the GB/T DC gun is not offered."""
    fits = usable_connectors(car("byd-song-plus-dm-i-cn-2021-8.3-kwh"), SITE)
    assert [(fit.standard, fit.max_kw) for fit in fits] == [("GBT_AC", Decimal("3.3"))]


def test_leapmotor_t03_on_a_50_kw_ccs2_charger_by_hand() -> None:
    """T03 (37.3 kWh) measured curve: 45 kW from 20 to 75 %, then 45 -> 35 kW by 80 %;
    the 50 kW charger caps nothing in 20-80 %.
    20-75 %: 37.3 x 0.55 = 20.515 kWh stored, / 0.95 = 21.595 kWh metered, / 45 = 0.47988 h;
    75-80 %: 37.3 / 95 x 5 x ln(45/35) / (45 - 35) = 0.04934 h; total 0.52922 h = 1,905.2 s;
    metered 37.3 x 0.6 / 0.95 = 23.558 kWh."""
    result = estimate(car("leapmotor-t03-eu-2024"), point("IEC_62196_T2_COMBO", "DC", "50"))
    expected = 3600 * (37.3 * 0.55 / 0.95 / 45 + 37.3 / 95 * 5 * math.log(45 / 35) / 10)
    assert abs(result.duration.total_seconds() - expected) < 0.01
    assert abs(result.duration.total_seconds() - 1905.19) < 0.01
    assert round(result.energy_kwh, 3) == Decimal("23.558")


def test_zeekr_001_eu_on_ac_by_hand() -> None:
    """94 kWh usable, 22 kW three-phase on board: 94 x 0.6 = 56.4 kWh stored, / 0.9 = 62.667
    metered; on a 22 kW point 62.667 / 22 = 2.8485 h = 10,254.5 s; on a 7.4 kW single-phase
    point it draws 7.4 kW on one phase: 62.667 / 7.4 = 8.4685 h = 30,486.5 s."""
    zeekr = car("zeekr-001-eu-2023")
    three = estimate(zeekr, point("IEC_62196_T2", "AC_3_PHASE", "22"))
    single = estimate(zeekr, point("IEC_62196_T2", "AC_1_PHASE", "7.4"))
    assert abs(three.duration.total_seconds() - 10254.545) < 0.01
    assert abs(single.duration.total_seconds() - 30486.486) < 0.01


def test_zeekr_001_cn_on_gbt_dc_by_hand() -> None:
    """95 kWh, 540 kW from 10 to 35 %, down to 250 kW at 80 %; battery / (100 x 0.95) = 1.
    On a 600 kW gun, 10 -> 80 %: 25 kWh metered / 540 = 0.046296 h, then
    45 x ln(540/250) / (540 - 250) = 0.119500 h; total 596.9 s.
    On a 250 kW gun the cap holds all the way: 70 kWh metered / 250 = 0.28 h = 1,008 s."""
    zeekr = car("zeekr-001-cn-2024-95-kwh-800-v")
    fast = estimate(zeekr, point("GBT_DC", "DC", "600"), 10, 80)
    capped = estimate(zeekr, point("GBT_DC", "DC", "250"), 10, 80)
    assert abs(fast.duration.total_seconds() - 596.865) < 0.01
    assert abs(capped.duration.total_seconds() - 1008) < 0.01
    assert power_at(zeekr, point("GBT_DC", "DC", "600"), 35) == 540


def test_a_short_range_plug_in_hybrid_on_a_gbt_ac_point_by_hand() -> None:
    """Song Plus DM-i 8.3 kWh, 3.3 kW on board, on a 7 kW GB/T AC point: 8.3 x 0.6 = 4.98 kWh
    stored, / 0.9 = 5.533 metered, / 3.3 = 1.6768 h = 6,036.4 s."""
    result = estimate(car("byd-song-plus-dm-i-cn-2021-8.3-kwh"), point("GBT_AC", "AC_1_PHASE", "7"))
    assert abs(result.duration.total_seconds() - 6036.364) < 0.01
