"""A planning scenario as written in its TOML file: every key, its default, and its checks.

The format is documented key by key in docs/planning.md; `load()` refuses unknown keys and bad
values with a message naming the key (`sites[2].chargers[0].power_kw: must be ...`).
"""

from __future__ import annotations

import math
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from steppe.domain.stations.connectors import POWER_TYPES, standard_name
from steppe.domain.tariffs.models import Tariff
from steppe.errors import InvalidInput
from steppe.planning.model import Behaviour
from steppe.planning.scenario_reader import ScenarioError, Table
from steppe.planning.specs import (
    ChargerKind,
    ChargerSpec,
    CurrentSpec,
    FleetGroup,
    FleetSpec,
    RecommendSpec,
    Scenario,
    SiteSpec,
    TheorySpec,
    VehicleRef,
    VisitorSpec,
)

DEFAULT_START = date(2026, 1, 1)


def load(path: Path) -> Scenario:
    try:
        document = tomllib.loads(path.read_text("utf-8"), parse_float=Decimal)
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    return parse(document)


def parse(document: dict[str, Any]) -> Scenario:
    top = Table(document, "")
    name = top.text("name", "scenario")
    start = top.day("start", DEFAULT_START)
    days = _horizon(top, start)
    warmup = top.number("warmup_days", 0.0, high=days - 1)
    seed = top.integer("seed", 1)
    replications = top.integer("replications", 2, low=1)
    workers = top.integer("workers", 0) or None
    current = _current(top)
    tariffs = _tariffs(top)
    sites = tuple(_site(t, tariffs, current is not None) for t in top.tables("sites"))
    _unique([s.id for s in sites], "sites", "id")
    if not sites and current is None:
        raise ScenarioError('sites: a scenario needs [[sites]] or network = "current"')
    theory = _theory(top.table("theory")) if top.raw("theory") is not None else None
    fleet = _fleet(top.table("fleet"))
    visitors = tuple(_visitor(t) for t in top.tables("visitors"))
    if theory is not None and (fleet.groups or visitors):
        raise ScenarioError("theory: a theory scenario has no [fleet] vehicles or [[visitors]]")
    if theory is None and not fleet.groups and not visitors:
        raise ScenarioError(
            "fleet.vehicles: no demand; add [[fleet.vehicles]], [[visitors]] or [theory]"
        )
    arrivals = top.table("arrivals")
    week = _week_profile(arrivals)
    arrivals.done()
    behaviour = _behaviour(top.table("behaviour"), patient=theory is not None)
    sessions = top.table("sessions")
    dwell_ac = sessions.number("dwell_minutes_ac", 30.0)
    dwell_dc = sessions.number("dwell_minutes_dc", 5.0)
    sessions.done()
    load_management = top.table("load_management")
    rebalance = load_management.number("rebalance_minutes", 5.0)
    load_management.done()
    recommend = _recommend(top.table("recommend")) if top.raw("recommend") is not None else None
    report = top.table("report")
    threshold = report.number("queueing_threshold", 0.05, high=1.0)
    report.done()
    top.done()
    return Scenario(
        name,
        start,
        days,
        warmup,
        seed,
        replications,
        workers,
        current,
        sites,
        tariffs,
        fleet,
        visitors,
        theory,
        week,
        behaviour,
        dwell_ac,
        dwell_dc,
        rebalance,
        recommend,
        threshold,
    )


def _horizon(top: Table, start: date) -> float:
    given = [key for key in ("years", "months", "days") if top.has(key)]
    if len(given) > 1:
        raise ScenarioError(f"give one of years, months or days, not {' and '.join(given)}")
    key = given[0] if given else "years"
    if key == "days":
        return top.number("days", low=1.0, high=36600.0)
    count = top.integer(key, 1, low=1)
    months = count * 12 if key == "years" else count
    year, month = start.year + (start.month - 1 + months) // 12, (start.month - 1 + months) % 12
    try:
        end = date(year, month + 1, start.day)
    except ValueError:
        raise top.fail(
            key, "the start day does not exist in the end month; start on a day <= 28"
        ) from None
    return float((end - start).days)


def _unique(values: list[str], where: str, key: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ScenarioError(f"{where}: {key} {value!r} given twice")
        seen.add(value)


def _current(top: Table) -> CurrentSpec | None:
    network = top.raw("network")
    options = top.table("current")
    if network is None:
        options.done()
        return None
    if network != "current":
        raise top.fail(
            "network", f'the only network read from the database is "current", not {network!r}'
        )
    url = options.optional_text("database_url")
    limit = options.number("grid_limit_kw", math.inf, inclusive_low=False, infinite=True)
    fit = options.boolean("fit_arrivals", True)
    options.done()
    return CurrentSpec(url, None if math.isinf(limit) else limit, fit)


def _tariffs(top: Table) -> dict[str, Tariff]:
    tariffs: dict[str, Tariff] = {}
    for index, body in enumerate(top.raw("tariffs") or []):
        try:
            tariff = Tariff.from_dict(_plain(body))
        except InvalidInput as exc:
            raise ScenarioError(f"tariffs[{index}]: {exc}") from None
        if tariff.id in tariffs:
            raise ScenarioError(f"tariffs[{index}]: id {tariff.id!r} given twice")
        tariffs[tariff.id] = tariff
    return tariffs


def _plain(value: Any) -> Any:
    """TOML values as the tariff parser takes JSON: dates and decimals as strings."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _zone(table: Table, key: str, default: str) -> str:
    name = table.text(key, default)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise table.fail(key, f"not an IANA time zone: {name!r}") from None
    return name


def _standards(table: Table, key: str) -> tuple[str, ...]:
    names = table.texts(key)
    if not names:
        raise table.fail(key, "list at least one connector standard")
    try:
        return tuple(standard_name(name) for name in names)
    except InvalidInput as exc:
        raise table.fail(key, str(exc)) from None


def _power_type(table: Table, power_kw: float, standards: tuple[str, ...]) -> str:
    dc = {"GBT_DC", "IEC_62196_T1_COMBO", "IEC_62196_T2_COMBO", "CHADEMO", "CHAOJI"}
    guess = "DC" if set(standards) & dc else ("AC_3_PHASE" if power_kw > 7.4 else "AC_1_PHASE")
    return table.choice("power_type", POWER_TYPES, guess)


def _charger(table: Table) -> ChargerSpec:
    count = table.integer("count", 1, low=1)
    power = table.number("power_kw", low=0.0, high=1000.0, inclusive_low=False)
    standards = _standards(table, "connectors")
    power_type = _power_type(table, power, standards)
    online = table.optional_day("from")
    grid = table.number("grid_kw", 0.0)
    table.done()
    return ChargerSpec(count, power, power_type, standards, online, grid)


def _site(table: Table, tariffs: dict[str, Tariff], current: bool) -> SiteSpec:
    site_id = table.text("id")
    name = table.text("name", site_id)
    stored_only = current and table.raw("lat") is None and table.raw("lon") is None
    lat = 0.0 if stored_only else table.number("lat", low=-90.0, high=90.0)
    lon = 0.0 if stored_only else table.number("lon", low=-180.0, high=180.0)
    zone = _zone(table, "time_zone", "UTC")
    country = table.optional_text("country")
    limit = table.number("grid_limit_kw", math.inf, infinite=True)
    weight = table.number("demand_weight", -1.0)
    tariff = table.optional_text("tariff")
    if tariff is not None and tariff not in tariffs:
        raise table.fail("tariff", f"no [[tariffs]] entry has id {tariff!r}")
    chargers = tuple(_charger(t) for t in table.tables("chargers"))
    table.done()
    return SiteSpec(
        site_id,
        name,
        lat,
        lon,
        zone,
        country.upper() if country else None,
        None if math.isinf(limit) else limit,
        None if weight < 0 else weight,
        tariff,
        chargers,
    )


def _vehicle_ref(table: Table) -> VehicleRef:
    if table.has("vehicle"):
        return VehicleRef(id=table.text("vehicle"))
    return VehicleRef(
        make=table.text("make"),
        model=table.text("model"),
        variant=table.text("variant"),
        year=table.integer("year", 2025, low=2000),
        trim=table.optional_text("trim"),
    )


def _fleet(table: Table) -> FleetSpec:
    defaults = FleetSpec()
    groups = []
    for group in table.tables("vehicles"):
        ref = _vehicle_ref(group)
        groups.append(
            FleetGroup(
                ref,
                group.number("cars", 0.0),
                group.by_year("added_per_year", 0.0),
                group.optional_number("daily_km", high=2000.0),
                group.optional_number("public_share", high=1.0),
                group.optional_number("kwh_per_km", high=2.0),
            )
        )
        group.done()
    spec = FleetSpec(
        table.number("daily_km", defaults.daily_km, high=2000.0),
        table.number("public_share", defaults.public_share, high=1.0),
        table.number("kwh_per_km", defaults.kwh_per_km, high=2.0),
        table.mean_sd("soc_arrival", defaults.soc_arrival),
        table.mean_sd("soc_target", defaults.soc_target),
        table.numbers("monthly_factor", 12) or defaults.monthly_factor,
        tuple(groups),
    )
    table.done()
    return spec


def _visitor(table: Table) -> VisitorSpec:
    corridor = table.text("corridor")
    sites = table.texts("sites")
    if not sites:
        raise table.fail("sites", "list the ids of the sites visitors on this corridor use")
    per_day = table.by_year("per_day", 0.0)
    vehicles = []
    for entry in table.tables("vehicles"):
        ref = _vehicle_ref(entry)
        vehicles.append((ref, entry.number("share", 1.0)))
        entry.done()
    if not vehicles:
        raise table.fail("vehicles", "list the cars visitors drive ([[visitors.vehicles]])")
    defaults = VisitorSpec("", (), (), ())
    spec = VisitorSpec(
        corridor,
        sites,
        per_day,
        tuple(vehicles),
        table.mean_sd("soc_arrival", defaults.soc_arrival),
        table.mean_sd("soc_target", defaults.soc_target),
        table.numbers("monthly_factor", 12) or defaults.monthly_factor,
    )
    table.done()
    return spec


def _theory(table: Table) -> TheorySpec:
    rate = table.number("arrivals_per_hour", low=0.0, inclusive_low=False)
    regular = table.choice("arrivals", ("poisson", "regular"), "poisson") == "regular"
    duration = table.choice("duration", ("exponential", "fixed"), "exponential")
    minutes = table.number("duration_minutes", low=0.0, inclusive_low=False)
    power = table.optional_number("power_kw", positive=True)
    table.done()
    return TheorySpec(rate, regular, duration, minutes, power)


def _week_profile(table: Table) -> tuple[float, ...] | None:
    week = table.numbers("week", 168)
    weekday = table.numbers("weekday", 24)
    weekend = table.numbers("weekend", 24)
    if week is not None and (weekday or weekend):
        raise table.fail("week", "give week, or weekday and weekend, not both")
    if week is not None:
        return week
    if weekday is None and weekend is None:
        return None
    if weekday is None or weekend is None:
        raise table.fail(
            "weekday" if weekday is None else "weekend", "give weekday and weekend together"
        )
    return weekday * 5 + weekend * 2


def _behaviour(table: Table, *, patient: bool) -> Behaviour:
    """Drivers' rules; in a theory scenario they wait as long as it takes unless told otherwise."""
    defaults = Behaviour(wait_minutes=math.inf) if patient else Behaviour()
    patience = table.choice("patience", ("fixed", "exponential"), defaults.patience)
    behaviour = Behaviour(
        wait_minutes=table.number("wait_minutes", defaults.wait_minutes, infinite=True),
        patience="exponential" if patience == "exponential" else "fixed",
        divert=table.boolean("divert", defaults.divert),
        max_detour_km=table.number("max_detour_km", defaults.max_detour_km),
        road_factor=table.number("road_factor", defaults.road_factor, low=1.0),
        speed_kmh=table.number("speed_kmh", defaults.speed_kmh, low=1.0),
        max_diversions=table.integer("max_diversions", defaults.max_diversions),
        min_power_share=table.number("min_power_share", defaults.min_power_share, high=1.0),
    )
    table.done()
    return behaviour


def _money(table: Table, key: str) -> Decimal:
    value = table.raw(key)
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise table.fail(key, f'must be an amount (a string such as "1500000"), not {value!r}')
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise table.fail(key, f"not an amount: {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise table.fail(key, f"must be a finite amount of at least 0, not {value}")
    return amount


def _recommend(table: Table) -> RecommendSpec:
    target = table.number("target_p_wait", 0.10, high=1.0, inclusive_low=False)
    budget = _money(table, "budget")
    currency = table.text("currency")
    per_year_raw = table.raw("budget_per_year") or []
    if not isinstance(per_year_raw, list):
        raise table.fail("budget_per_year", "must be a list of amounts by plan year")
    per_year = tuple(
        _money(Table({"amount": v}, table.path(f"budget_per_year[{i}]")), "amount")
        for i, v in enumerate(per_year_raw)
    )
    kinds = []
    for entry in table.tables("kinds"):
        name = entry.text("name")
        power = entry.number("power_kw", low=0.0, high=1000.0, inclusive_low=False)
        standards = _standards(entry, "connectors")
        power_type = _power_type(entry, power, standards)
        cost = _money(entry, "cost")
        grid = entry.number("grid_kw", power)
        kinds.append(ChargerKind(name, power, power_type, standards, cost, grid))
        entry.done()
    if not kinds:
        raise table.fail("kinds", "list the chargers that may be added ([[recommend.kinds]])")
    spec = RecommendSpec(
        target,
        budget,
        currency,
        tuple(kinds),
        table.integer("max_per_site", 10, low=1),
        table.integer("check_rounds", 2),
        per_year,
        table.number("discount_rate", 0.08, high=1.0),
    )
    table.done()
    return spec
