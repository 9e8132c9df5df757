"""The catalogue loader refuses bad rows by name and finds a car by make, model, market and year."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from steppe.domain.vehicles.models import Catalogue, Market, Powertrain
from steppe.errors import InvalidInput, NotFound


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return str(value)


def document(*rows: dict[str, Any]) -> str:
    lines: list[str] = []
    for row in rows:
        lines.append("[[vehicle]]")
        lines.extend(f"{key} = {toml_value(value)}" for key, value in row.items())
    return "\n".join(lines) + "\n"


def row(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "make": "Leapmotor",
        "model": "C10",
        "variant": "CN",
        "model_year": 2024,
        "powertrain": "BEV",
        "inlets": ["GBT_AC", "GBT_DC"],
        "battery_kwh": 69.9,
        "ac_phases": 1,
        "ac_max_kw": 6.6,
        "dc_max_kw": 90,
        "dc_curve": [[10, 90], [50, 80], [80, 40]],
        "source": "maker's specification sheet",
        "verified": False,
    }
    base.update(changes)
    return {key: value for key, value in base.items() if value is not None}


def test_a_good_row_becomes_a_vehicle_with_exact_decimals() -> None:
    """A CN Leapmotor C10 row reads into a Vehicle with its id slug, inlets and curve."""
    catalogue = Catalogue.load(document(row()))
    car = catalogue.get("leapmotor-c10-cn-2024")
    assert car.variant is Market.CN and car.powertrain is Powertrain.BEV
    assert car.inlets == ("GBT_AC", "GBT_DC")
    assert car.battery_kwh == Decimal("69.9") and car.ac_max_kw == Decimal("6.6")
    assert car.dc_curve == ((10, Decimal(90)), (50, Decimal(80)), (80, Decimal(40)))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"inlets": ["GBT_AC", "CCS9"]}, "inlets: unknown inlet 'CCS9'"),
        ({"inlets": ["GBT_DC"]}, "inlets: no AC inlet"),
        ({"inlets": ["IEC_62196_T2_COMBO"]}, "list IEC_62196_T2 too"),
        ({"inlets": ["GBT_AC", "GBT_AC"]}, "lists a standard twice"),
        ({"dc_curve": [[10, 90], [60, 80], [50, 40]]}, "state of charge must increase: 50 %"),
        ({"dc_curve": [[10, 90], [10, 80]]}, "state of charge must increase: 10 %"),
        ({"dc_curve": [[10, 95], [50, 80]]}, "dc_curve: must be above 0 and at most 90"),
        ({"dc_curve": [[10, 90], [101, 80]]}, "state of charge must be a whole 0-100"),
        ({"dc_curve": [[10, 90]]}, "at least two"),
        ({"inlets": ["GBT_AC"], "dc_max_kw": None}, "AC-only car (inlets ['GBT_AC']) has no DC"),
        ({"inlets": ["GBT_AC"], "dc_curve": None}, "dc_max_kw: an AC-only car"),
        ({"dc_max_kw": None, "dc_curve": None}, "dc_max_kw: a car with a DC inlet needs"),
        ({"ac_phases": 2}, "ac_phases: must be 1 or 3"),
        ({"ac_max_kw": 11}, "ac_max_kw: must be above 0 and at most 7.4"),
        ({"battery_kwh": 0}, "battery_kwh: must be above 0"),
        ({"variant": "MARS"}, "variant: unknown market 'MARS'"),
        ({"powertrain": "ICE"}, "powertrain: must be one of"),
        ({"model_year": 1999}, "model_year: must be within"),
        ({"verified": "yes"}, "verified: must be true or false"),
        ({"source": ""}, "source: must be a non-empty string"),
        ({"colour": "red"}, "unknown fields ['colour']"),
        ({"source": None}, "missing fields ['source']"),
        ({"adapters": ["GBT_DC"]}, "adapters: ['GBT_DC'] are inlets already"),
    ],
)
def test_a_bad_row_is_refused_with_its_number_id_and_field(
    changes: dict[str, Any], message: str
) -> None:
    """Each rule names the row: a good first row, then the broken second one."""
    text = document(row(model_year=2023), row(**changes))
    with pytest.raises(InvalidInput, match="catalogue row 2") as caught:
        Catalogue.load(text)
    assert message in str(caught.value)


def test_an_ac_only_car_without_dc_fields_loads() -> None:
    """A single-phase GB/T AC plug-in hybrid needs no DC maximum and has none."""
    car = Catalogue.load(
        document(row(powertrain="PHEV", inlets=["GBT_AC"], dc_max_kw=None, dc_curve=None))
    ).all()[0]
    assert (car.dc_max_kw, car.dc_curve, car.curve()) == (None, (), ())


def test_the_same_car_twice_is_refused() -> None:
    """Two rows with the same make, model, variant, year and trim cannot both be meant."""
    with pytest.raises(InvalidInput, match=r"row 2 \(leapmotor-c10-cn-2024\).*as row 1"):
        Catalogue.load(document(row(), row()))


def test_not_toml_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not valid TOML"):
        Catalogue.load("[[vehicle]\nmake = ")


def catalogue_of_years() -> Catalogue:
    return Catalogue.load(
        document(
            row(model_year=2022),
            row(model_year=2024),
            row(model_year=2024, trim="Long Range", battery_kwh=80),
            row(variant="EU", inlets=["IEC_62196_T2", "IEC_62196_T2_COMBO"]),
            row(make="Tesla", model="Model 3", variant="GLOBAL", inlets=["NACS"]),
        )
    )


def test_find_takes_the_nearest_listed_year_and_the_earlier_on_a_tie() -> None:
    """2023 sits between 2022 and 2024: the car keeps the 2022 specification until it changes."""
    catalogue = catalogue_of_years()
    assert catalogue.find("leapmotor", "c10", "CN", 2023).model_year == 2022
    assert catalogue.find("Leapmotor", "C10", "cn", 2026).model_year == 2024
    assert catalogue.find("Leapmotor", "C10", "CN", 2019).model_year == 2022


def test_find_picks_a_trim_or_the_first_listed() -> None:
    catalogue = catalogue_of_years()
    assert catalogue.find("Leapmotor", "C10", "CN", 2024).battery_kwh == Decimal("69.9")
    long_range = catalogue.find("Leapmotor", "C10", "CN", 2024, trim="long range")
    assert long_range.id == "leapmotor-c10-cn-2024-long-range"
    assert len(catalogue.trims("Leapmotor", "C10", "CN", 2024)) == 2
    with pytest.raises(NotFound, match="no trim 'Short'"):
        catalogue.find("Leapmotor", "C10", "CN", 2024, trim="Short")


def test_a_missing_variant_is_not_guessed_but_global_rows_serve_every_market() -> None:
    """A Kazakh C10 is not silently the Chinese one; a GLOBAL Tesla row answers for KZ."""
    catalogue = catalogue_of_years()
    with pytest.raises(NotFound, match="no 'KZ' variant of the Leapmotor C10; listed: CN, EU"):
        catalogue.find("Leapmotor", "C10", "KZ", 2024)
    assert catalogue.find("Tesla", "Model 3", "KZ", 2024).variant is Market.GLOBAL


def test_listing_makes_models_and_variants() -> None:
    catalogue = catalogue_of_years()
    assert catalogue.makes() == ("Leapmotor", "Tesla")
    assert catalogue.models_of("tesla") == ("Model 3",)
    assert catalogue.variants("Leapmotor", "C10") == (Market.CN, Market.EU)
    with pytest.raises(NotFound, match="no vehicle of make 'Lada'"):
        catalogue.models_of("Lada")
    with pytest.raises(NotFound, match="'nope' is not in the catalogue"):
        catalogue.get("nope")


def test_the_shipped_catalogue_loads() -> None:
    """The file installed with the package passes every rule."""
    assert len(Catalogue.load()) > 0
