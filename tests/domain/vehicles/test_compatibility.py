"""A driver learns which connectors fit the car, at what power, and how long 20 -> 80 % takes."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from steppe.domain.stations.models import Connector
from steppe.domain.vehicles.compatibility import estimate, fit, power_at, usable_connectors
from steppe.domain.vehicles.models import Market, Powertrain, Vehicle
from steppe.errors import InvalidInput


def car(**changes: Any) -> Vehicle:
    """A made-up CCS2 car with round figures, so the arithmetic in each test stays readable."""
    base = Vehicle(
        id="test-car-eu-2024",
        make="Test",
        model="Car",
        variant=Market.EU,
        model_year=2024,
        powertrain=Powertrain.BEV,
        inlets=("IEC_62196_T2", "IEC_62196_T2_COMBO"),
        battery_kwh=Decimal(60),
        ac_phases=3,
        ac_max_kw=Decimal(11),
        dc_max_kw=Decimal(100),
        dc_curve=((0, Decimal(100)), (50, Decimal(100)), (80, Decimal(50))),
        source="round figures for arithmetic",
        verified=False,
    )
    return replace(base, **changes)


def point(
    standard: str | None, power_type: str | None, kw: str | None, connector_id: int = 1
) -> Connector:
    return Connector(
        evse_id=1,
        connector_id=connector_id,
        status="Available",
        standard=standard,
        power_type=power_type,
        max_power_kw=kw,
    )


SINGLE_PHASE_CAR = {"ac_phases": 1, "ac_max_kw": Decimal("7.4")}


def test_a_single_phase_car_on_a_22_kw_three_phase_point_gets_one_phase_at_32_amps() -> None:
    """22 kW / (3 x 230 V) = 31.9 A, rated 32 A per phase; one phase: 32 A x 230 V = 7.36 kW."""
    found = fit(car(**SINGLE_PHASE_CAR), point("IEC_62196_T2", "AC_3_PHASE", "22"))
    assert found is not None
    assert (found.power_type, found.phases, found.max_kw) == ("AC_3_PHASE", 1, Decimal("7.36"))


def test_a_single_phase_car_on_an_11_kw_point_gets_16_amps() -> None:
    """11 kW / (3 x 230 V) = 15.9 A, rated 16 A per phase; one phase: 16 A x 230 V = 3.68 kW."""
    found = fit(car(**SINGLE_PHASE_CAR), point("IEC_62196_T2", "AC_3_PHASE", "11"))
    assert found is not None and found.max_kw == Decimal("3.68")


def test_a_three_phase_11_kw_car_on_a_single_phase_point_gets_the_point() -> None:
    """An 11 kW three-phase car on a 7.4 kW single-phase point draws 7.4 kW on that phase."""
    found = fit(car(), point("IEC_62196_T2", "AC_1_PHASE", "7.4"))
    assert found is not None and (found.phases, found.max_kw) == (1, Decimal("7.4"))


def test_a_three_phase_car_takes_the_lower_of_its_charger_and_the_point() -> None:
    """11 kW car on 22 kW point: 11; on a 7 kW three-phase limit: 7."""
    assert power_at(car(), point("IEC_62196_T2", "AC_3_PHASE", "22"), 50) == 11
    assert power_at(car(), point("IEC_62196_T2", "AC_3_PHASE", "7"), 50) == 7


def test_an_undeclared_type_2_point_is_taken_as_32_amps_three_phase() -> None:
    """No rating, no power type: 22 kW three-phase assumed, so the 11 kW car gets 11, unrated."""
    found = fit(car(), point("IEC_62196_T2", None, None))
    assert found is not None
    assert (found.power_type, found.max_kw, found.rated) == ("AC_3_PHASE", 11, False)


def test_common_names_of_standards_are_understood() -> None:
    """A connector declared as "CCS2" is the car's IEC_62196_T2_COMBO inlet."""
    found = fit(car(), point("CCS2", "DC", "50"))
    assert found is not None and (found.standard, found.max_kw) == ("IEC_62196_T2_COMBO", 50)


def test_no_adapter_is_assumed_but_one_the_row_lists_is_used() -> None:
    """A CCS2 car does not use a GB/T DC gun, unless its row says it carries the adapter."""
    gbt = point("GBT_DC", "DC", "120")
    assert fit(car(), gbt) is None
    with_adapter = fit(car(adapters=("GBT_DC",)), gbt)
    assert with_adapter is not None and with_adapter.via_adapter
    assert with_adapter.max_kw == 100


def test_an_ac_only_plug_in_hybrid_never_gets_dc() -> None:
    """A GB/T AC-only PHEV is offered the GB/T AC point only, not the GB/T DC gun beside it."""
    phev = car(
        powertrain=Powertrain.PHEV,
        inlets=("GBT_AC",),
        dc_max_kw=None,
        dc_curve=(),
        ac_phases=1,
        ac_max_kw=Decimal("6.6"),
    )
    station = [point("GBT_DC", "DC", "120", 1), point("GBT_AC", "AC_1_PHASE", "7", 2)]
    fits = usable_connectors(phev, station)
    assert [(f.connector.connector_id, f.max_kw) for f in fits] == [(2, Decimal("6.6"))]


def test_unknown_or_missing_standards_fit_nothing() -> None:
    assert fit(car(), point(None, "DC", "50")) is None
    assert fit(car(), point("MCS", "DC", "1000")) is None


def test_dc_power_follows_the_curve_under_the_connector_cap() -> None:
    """Curve 100 kW to 50 %, linear to 50 kW at 80 %: 65 % is 75 kW; a 60 kW gun caps it."""
    dc150, dc60 = point("IEC_62196_T2_COMBO", "DC", "150"), point("IEC_62196_T2_COMBO", "DC", "60")
    assert power_at(car(), dc150, 65) == 75
    assert power_at(car(), dc150, Decimal("90")) == 50  # past the last point it holds
    assert power_at(car(), dc60, 20) == 60
    assert power_at(car(), dc60, 75.5) == Decimal("57.5")  # 100 - 25.5 x 50 / 30, under the cap
    assert power_at(car(), dc150, 100) == 0


def test_power_at_refuses_a_connector_the_car_cannot_use() -> None:
    """The message names the car, the connector and the inlets it takes."""
    with pytest.raises(InvalidInput, match=r"test-car-eu-2024 cannot use evse 1 connector 1 "):
        power_at(car(), point("GBT_DC", "DC", "120"), 50)
    with pytest.raises(InvalidInput, match="a state of charge is 0-100"):
        power_at(car(), point("IEC_62196_T2", "AC_3_PHASE", "22"), 101)


def test_ac_charge_time_is_energy_over_constant_power() -> None:
    """Single-phase 6.6 kW car, 40 kWh, 20 -> 80 % on a 22 kW point (it draws 6.6 kW):
    stored 40 x 0.6 = 24 kWh; metered 24 / 0.9 = 26.667 kWh; 26.667 / 6.6 = 4.0404 h = 14,545 s."""
    leaf_like = car(ac_phases=1, ac_max_kw=Decimal("6.6"), battery_kwh=Decimal(40))
    result = estimate(leaf_like, point("IEC_62196_T2", "AC_3_PHASE", "22"))
    assert result.stored_kwh == 24
    assert round(result.energy_kwh, 3) == Decimal("26.667")
    assert abs(result.duration.total_seconds() - 14545.45) < 0.01
    assert round(result.average_kw, 6) == Decimal("6.6")


def test_dc_charge_time_integrates_the_curve() -> None:
    """60 kWh, curve 100 kW to 50 %, linear to 50 kW at 80 %, on a 150 kW gun, 20 -> 80 %:
    20-50 % at 100 kW: 18 kWh stored, 18 / 0.95 = 18.947 kWh metered, 0.18947 h;
    50-80 %: 60 / (100 x 0.95) x 30 x ln(100/50) / (100 - 50) = 0.26267 h;
    total 0.45214 h = 1,627.7 s, 36 / 0.95 = 37.895 kWh metered."""
    result = estimate(car(), point("IEC_62196_T2_COMBO", "DC", "150"))
    expected = 3600 * (18 / 0.95 / 100 + 60 / 95 * 30 * math.log(2) / 50)
    assert abs(result.duration.total_seconds() - expected) < 0.01
    assert abs(result.duration.total_seconds() - 1627.70) < 0.01
    assert round(result.energy_kwh, 3) == Decimal("37.895")
    assert result.loss_share == Decimal("0.05")


def test_dc_charge_time_with_the_connector_capping_the_curve() -> None:
    """Same car on a 75 kW gun: capped until the curve falls to 75 kW at 65 %:
    20-65 % at 75 kW: 27 kWh stored, 28.421 kWh metered, 0.37895 h;
    65-80 %: 60 / 95 x 15 x ln(75/50) / (75 - 50) = 0.15365 h; total 1,917.35 s."""
    result = estimate(car(), point("IEC_62196_T2_COMBO", "DC", "75"))
    assert abs(result.duration.total_seconds() - 1917.35) < 0.01


def test_charge_from_a_to_b_must_go_up() -> None:
    with pytest.raises(InvalidInput, match="must raise the state of charge: 80 % -> 20 %"):
        estimate(car(), point("IEC_62196_T2", "AC_3_PHASE", "22"), 80, 20)


def test_a_dc_car_without_a_published_curve_charges_on_the_generic_one() -> None:
    """No curve: full power 10-50 %, half of it at 80 %: 20 % of 100 kW is 100, 65 % is 75."""
    plain = car(dc_curve=())
    dc = point("IEC_62196_T2_COMBO", "DC", "350")
    assert (power_at(plain, dc, 20), power_at(plain, dc, 65)) == (100, 75)
    assert estimate(plain, dc).duration > timedelta(0)
