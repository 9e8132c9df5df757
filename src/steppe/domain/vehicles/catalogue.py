"""Reading the vehicle catalogue: the TOML file shipped beside this module, checked row by row.

Every rule is checked when the file is read, so a bad row stops the load with a message naming
the row (its position and id) and the field, instead of a wrong answer to a driver later. The
rules are listed in docs/vehicles.md.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from decimal import Decimal
from importlib import resources
from typing import Any

from steppe.domain.stations.connectors import STANDARDS
from steppe.domain.vehicles.models import (
    AC_INLETS,
    COMBO_NEEDS,
    DC_INLETS,
    INLETS,
    Catalogue,
    CurvePoint,
    Market,
    Powertrain,
    Vehicle,
    slug,
)
from steppe.errors import InvalidInput

FILE = "catalogue.toml"
REQUIRED = (
    "make",
    "model",
    "variant",
    "model_year",
    "powertrain",
    "inlets",
    "battery_kwh",
    "ac_phases",
    "ac_max_kw",
    "source",
    "verified",
)
OPTIONAL = ("trim", "dc_max_kw", "dc_curve", "adapters")
YEARS = range(2010, 2031)
MAX_BATTERY_KWH = Decimal(250)
MAX_AC_KW = {1: Decimal("7.4"), 3: Decimal(22)}  # 32 A at 230 V on one or three phases
MAX_DC_KW = Decimal(600)


def load_catalogue(text: str | None = None) -> Catalogue:
    """The shipped catalogue, or one parsed from `text`; raises InvalidInput naming a bad row."""
    if text is None:
        text = resources.files("steppe.domain.vehicles").joinpath(FILE).read_text("utf-8")
    try:
        document = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"vehicle catalogue: not valid TOML: {exc}") from None
    unknown = set(document) - {"vehicle"}
    if unknown:
        raise InvalidInput(f"vehicle catalogue: unknown top-level keys {sorted(unknown)}")
    rows = document.get("vehicle", [])
    if not isinstance(rows, list):
        raise InvalidInput("vehicle catalogue: `vehicle` must be an array of tables")
    vehicles: list[Vehicle] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        vehicle = _vehicle(number, row)
        if vehicle.id in seen:
            raise InvalidInput(
                f"catalogue row {number} ({vehicle.id}): the same make, model, variant, year "
                f"and trim as row {seen[vehicle.id]}"
            )
        seen[vehicle.id] = number
        vehicles.append(vehicle)
    return Catalogue(vehicles)


class _Row:
    """One row being read: typed access to its fields, errors that name the row."""

    def __init__(self, number: int, data: Mapping[str, Any]) -> None:
        self.number = number
        self.data = data
        self.name = "?"

    def fail(self, field: str, problem: str) -> InvalidInput:
        return InvalidInput(f"catalogue row {self.number} ({self.name}): {field}: {problem}")

    def text(self, field: str, default: str | None = None) -> str:
        value = self.data.get(field, default)
        if not isinstance(value, str) or (not value.strip() and default is None):
            raise self.fail(field, f"must be a non-empty string, not {value!r}")
        return value.strip()

    def integer(self, field: str) -> int:
        value = self.data.get(field)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(field, f"must be a whole number, not {value!r}")
        return value

    def kw(self, field: str, value: Any, limit: Decimal) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise self.fail(field, f"must be a number, not {value!r}")
        number = Decimal(value)
        if not 0 < number <= limit:
            raise self.fail(field, f"must be above 0 and at most {limit}, not {number}")
        return number

    def standards(self, field: str) -> tuple[str, ...]:
        value = self.data.get(field, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(field, f"must be a list of connector standards, not {value!r}")
        for name in value:
            if name not in INLETS or name not in STANDARDS:
                known = ", ".join(sorted(INLETS))
                raise self.fail(field, f"unknown inlet {name!r}; use one of {known}")
        if len(set(value)) != len(value):
            raise self.fail(field, f"lists a standard twice: {value}")
        return tuple(value)


def _vehicle(number: int, data: Any) -> Vehicle:
    if not isinstance(data, dict):
        raise InvalidInput(f"catalogue row {number}: must be a table, not {data!r}")
    row = _Row(number, data)
    missing = [field for field in REQUIRED if field not in data]
    unknown = sorted(set(data) - set(REQUIRED) - set(OPTIONAL))
    if missing or unknown:
        raise InvalidInput(
            f"catalogue row {number}: missing fields {missing}, unknown fields {unknown}"
        )
    make, model, trim = row.text("make"), row.text("model"), row.text("trim", "")
    year = row.integer("model_year")
    variant_name = row.text("variant")
    row.name = slug(make, model, variant_name, year, trim)
    if variant_name not in Market.__members__:
        raise row.fail("variant", f"unknown market {variant_name!r}; use one of {list(Market)}")
    if year not in YEARS:
        raise row.fail("model_year", f"must be within {YEARS.start}-{YEARS.stop - 1}")
    powertrain_name = row.text("powertrain")
    if powertrain_name not in Powertrain.__members__:
        raise row.fail("powertrain", f"must be one of {list(Powertrain)}")
    inlets = row.standards("inlets")
    adapters = row.standards("adapters")
    _check_inlets(row, inlets, adapters)
    battery = row.kw("battery_kwh", data["battery_kwh"], MAX_BATTERY_KWH)
    phases = row.integer("ac_phases")
    if phases not in MAX_AC_KW:
        raise row.fail("ac_phases", f"must be 1 or 3, not {phases}")
    ac_max = row.kw("ac_max_kw", data["ac_max_kw"], MAX_AC_KW[phases])
    dc_max, curve = _dc(row, inlets)
    verified = data["verified"]
    if not isinstance(verified, bool):
        raise row.fail("verified", f"must be true or false, not {verified!r}")
    return Vehicle(
        id=row.name,
        make=make,
        model=model,
        variant=Market(variant_name),
        model_year=year,
        powertrain=Powertrain(powertrain_name),
        inlets=inlets,
        battery_kwh=battery,
        ac_phases=phases,
        ac_max_kw=ac_max,
        dc_max_kw=dc_max,
        dc_curve=curve,
        source=row.text("source"),
        verified=verified,
        trim=trim,
        adapters=adapters,
    )


def _check_inlets(row: _Row, inlets: tuple[str, ...], adapters: tuple[str, ...]) -> None:
    if not inlets:
        raise row.fail("inlets", "a car needs at least one inlet")
    for combo, plain in COMBO_NEEDS.items():
        if combo in inlets and plain not in inlets:
            raise row.fail("inlets", f"{combo} is a {plain} inlet with DC pins: list {plain} too")
    if not AC_INLETS & set(inlets):
        raise row.fail("inlets", f"no AC inlet among {list(inlets)}; every plug-in car has one")
    if set(adapters) & set(inlets):
        raise row.fail("adapters", f"{sorted(set(adapters) & set(inlets))} are inlets already")


def _dc(row: _Row, inlets: tuple[str, ...]) -> tuple[Decimal | None, tuple[CurvePoint, ...]]:
    has_dc_inlet = bool(DC_INLETS & set(inlets))
    raw_max, raw_curve = row.data.get("dc_max_kw"), row.data.get("dc_curve")
    if not has_dc_inlet:
        if raw_max is not None:
            raise row.fail("dc_max_kw", f"an AC-only car (inlets {list(inlets)}) has no DC power")
        if raw_curve is not None:
            raise row.fail("dc_curve", f"an AC-only car (inlets {list(inlets)}) has no DC curve")
        return None, ()
    if raw_max is None:
        raise row.fail("dc_max_kw", "a car with a DC inlet needs its DC maximum")
    dc_max = row.kw("dc_max_kw", raw_max, MAX_DC_KW)
    if raw_curve is None:
        return dc_max, ()
    if not isinstance(raw_curve, list) or len(raw_curve) < 2:
        raise row.fail("dc_curve", "must be a list of at least two [soc, kW] points")
    curve: list[CurvePoint] = []
    for point in raw_curve:
        if not (isinstance(point, list) and len(point) == 2):
            raise row.fail("dc_curve", f"each point is [soc percent, kW], not {point!r}")
        soc, power = point
        if isinstance(soc, bool) or not isinstance(soc, int) or not 0 <= soc <= 100:
            raise row.fail("dc_curve", f"state of charge must be a whole 0-100, not {soc!r}")
        if curve and soc <= curve[-1][0]:
            raise row.fail(
                "dc_curve", f"state of charge must increase: {soc} % after {curve[-1][0]} %"
            )
        curve.append((soc, row.kw("dc_curve", power, dc_max)))
    return dc_max, tuple(curve)
