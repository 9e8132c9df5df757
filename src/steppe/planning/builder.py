"""From a scenario (and, for `network = "current"`, what Steppe has stored) to a `Model`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from steppe.domain.tariffs.models import Tariff
from steppe.domain.vehicles.models import Catalogue, Vehicle
from steppe.errors import NotFound
from steppe.planning import demand
from steppe.planning.fleet import ProfileTable
from steppe.planning.model import Calendar, Charger, Kind, Model, Site, Stream
from steppe.planning.scenario_reader import ScenarioError
from steppe.planning.specs import Scenario, SiteSpec, VehicleRef
from steppe.planning.stored_network import StoredNetwork


def _vehicle(catalogue: Catalogue, ref: VehicleRef, where: str) -> Vehicle:
    try:
        if ref.id is not None:
            return catalogue.get(ref.id)
        return catalogue.find(ref.make, ref.model, ref.variant, ref.year, ref.trim)
    except NotFound as exc:
        raise ScenarioError(f"{where}: {exc}") from None


def merged_sites(scenario: Scenario, stored: StoredNetwork | None) -> list[SiteSpec]:
    """The stored stations with the scenario's overrides, then the scenario's own sites.

    A scenario site whose id is a stored station's overrides its grid limit, demand weight and
    tariff (where given) and adds its chargers; any other scenario site is added as it is.
    """
    if stored is None:
        return list(scenario.sites)
    default_limit = scenario.current.grid_limit_kw if scenario.current else None
    given = {site.id: site for site in scenario.sites}
    sites = []
    for site in stored.sites:
        extra = given.pop(site.id, None)
        limit = default_limit
        weight = site.demand_weight
        tariff = None
        chargers = site.chargers
        if extra is not None:
            limit = extra.grid_limit_kw if extra.grid_limit_kw is not None else limit
            weight = extra.demand_weight if extra.demand_weight is not None else weight
            tariff = extra.tariff
            chargers = chargers + extra.chargers
        sites.append(
            SiteSpec(
                site.id,
                site.name,
                site.lat,
                site.lon,
                site.time_zone,
                site.country,
                limit,
                weight,
                tariff,
                chargers,
            )
        )
    sites.extend(site for site in scenario.sites if site.id in given)
    return sites


def build_model(
    scenario: Scenario, catalogue: Catalogue | None, stored: StoredNetwork | None = None
) -> Model:
    return build(scenario, catalogue, stored)[0]


def build(
    scenario: Scenario, catalogue: Catalogue | None, stored: StoredNetwork | None = None
) -> tuple[Model, ProfileTable]:
    """The model, and the profile table that gives the profiles of chargers added later."""
    calendar = Calendar.of(scenario.start, scenario.days, scenario.warmup_days)
    specs = merged_sites(scenario, stored)
    chargers: list[Charger] = []
    sites: list[Site] = []
    for index, spec in enumerate(specs):
        own: list[int] = []
        for charger in spec.chargers:
            online = 0.0
            if charger.online_from is not None:
                moment = datetime(*charger.online_from.timetuple()[:3], tzinfo=UTC)
                online = max((moment - calendar.start).total_seconds(), 0.0)
            label = f"{'DC' if charger.power_type == 'DC' else 'AC'} {charger.power_kw:g} kW"
            for _ in range(charger.count):
                own.append(len(chargers))
                chargers.append(
                    Charger(
                        index,
                        label,
                        charger.power_kw,
                        charger.power_type,
                        charger.standards,
                        online,
                        charger.grid_kw,
                    )
                )
        sites.append(
            Site(
                spec.id,
                spec.name,
                spec.lat,
                spec.lon,
                spec.time_zone,
                _offset_hours(spec.time_zone, calendar.start),
                spec.country,
                spec.grid_limit_kw if spec.grid_limit_kw is not None else math.inf,
                1.0 if spec.demand_weight is None else spec.demand_weight,
                _tariff(scenario, spec, stored),
                tuple(own),
            )
        )
    sites = _fitted_weights(sites, scenario, stored)
    kinds, vehicles, streams = _demand(scenario, catalogue, calendar, sites, stored)
    plain_kw = scenario.theory.power_kw if scenario.theory else None
    table = ProfileTable(vehicles, plain_kw)
    model = Model(
        calendar,
        tuple(sites),
        tuple(chargers),
        tuple(kinds),
        table.table(chargers),
        tuple(streams),
        scenario.behaviour,
        scenario.dwell_minutes_ac,
        scenario.dwell_minutes_dc,
        scenario.rebalance_minutes,
    )
    return model, table


def _offset_hours(zone: str, at: datetime) -> float:
    offset = at.astimezone(ZoneInfo(zone)).utcoffset()
    return 0.0 if offset is None else offset.total_seconds() / 3600


def _tariff(scenario: Scenario, spec: SiteSpec, stored: StoredNetwork | None) -> Tariff | None:
    if spec.tariff is not None:
        return scenario.tariffs[spec.tariff]
    if stored is not None:
        return stored.tariffs.get(spec.id)
    return None


def _fitted_weights(
    sites: list[Site], scenario: Scenario, stored: StoredNetwork | None
) -> list[Site]:
    """Stored stations without a weight in the scenario weigh by their stored sessions."""
    if stored is None or scenario.current is None or not scenario.current.fit_arrivals:
        return sites
    if not stored.sessions_by_site:
        return sites
    given = {site.id for site in scenario.sites if site.demand_weight is not None}
    mean = sum(stored.sessions_by_site.values()) / max(len(stored.sessions_by_site), 1)
    return [
        site
        if site.id in given
        else replace(
            site, demand_weight=(stored.sessions_by_site.get(site.id, 0) + mean / 10) / mean
        )
        for site in sites
    ]


def _week(scenario: Scenario, stored: StoredNetwork | None) -> tuple[float, ...]:
    fit = stored is not None and scenario.current is not None and scenario.current.fit_arrivals
    if fit and stored is not None and sum(stored.week_counts) > 0:
        return demand.fitted_week(stored.week_counts)
    if scenario.week_profile is not None:
        return demand.normalized(scenario.week_profile)
    return demand.default_week()


def _demand(
    scenario: Scenario,
    catalogue: Catalogue | None,
    calendar: Calendar,
    sites: Sequence[Site],
    stored: StoredNetwork | None,
) -> tuple[list[Kind], list[Vehicle | None], list[Stream]]:
    every = list(range(len(sites)))
    if scenario.theory is not None:
        stream = demand.theory_stream(calendar, scenario.theory, every)
        return [Kind("plain", "identical cars", plain=True)], [None], [stream]
    if catalogue is None:
        raise ScenarioError("fleet: the vehicle catalogue is needed for a fleet or visitors")
    kinds: list[Kind] = []
    vehicles: list[Vehicle | None] = []
    index_of: dict[str, int] = {}

    def kind_of(ref: VehicleRef, where: str) -> int:
        vehicle = _vehicle(catalogue, ref, where)
        if vehicle.id not in index_of:
            index_of[vehicle.id] = len(kinds)
            label = f"{vehicle.make} {vehicle.model} {vehicle.variant.value} {vehicle.model_year}"
            kinds.append(Kind(vehicle.id, f"{label} {vehicle.trim}".strip()))
            vehicles.append(vehicle)
        return index_of[vehicle.id]

    group_kinds = [
        kind_of(group.vehicle, f"fleet.vehicles[{i}]")
        for i, group in enumerate(scenario.fleet.groups)
    ]
    visitor_kinds = [
        [kind_of(ref, f"visitors[{i}].vehicles[{j}]") for j, (ref, _) in enumerate(v.vehicles)]
        for i, v in enumerate(scenario.visitors)
    ]
    week = _week(scenario, stored)
    cars = [
        demand.DemandCar(float(v.battery_kwh)) if v else demand.DemandCar(1.0) for v in vehicles
    ]
    streams: list[Stream] = []
    if scenario.fleet.groups:
        try:
            streams.append(
                demand.fleet_stream(
                    calendar,
                    scenario.fleet,
                    group_kinds,
                    cars,
                    len(kinds),
                    every,
                    [site.demand_weight for site in sites],
                    week,
                )
            )
        except ValueError as exc:
            raise ScenarioError(str(exc)) from None
    ids = {site.id: index for index, site in enumerate(sites)}
    for i, visitors in enumerate(scenario.visitors):
        missing = [site for site in visitors.sites if site not in ids]
        if missing:
            raise ScenarioError(f"visitors[{i}].sites: no site has id {missing[0]!r}")
        where = [ids[site] for site in visitors.sites]
        streams.append(
            demand.visitor_stream(calendar, visitors, visitor_kinds[i], len(kinds), where, week)
        )
    return kinds, vehicles, streams
