"""Where to add how many chargers of which kind in which plan year, within a budget.

1. Sizing: for each site, plan year and charger kind, the fewest chargers of that kind that keep
   every month's p_wait under the target by Erlang C applied hour by hour: the arrival rate of
   each local hour of the week (the demand's expected rate), the site's chargers as servers with
   the mean plugged-in time the simulation measured, a new charger of kind k adding capacity
   `share of cars that can use it / its plugged-in time` (so a faster charger counts for more).
2. Choosing: an integer programme (PuLP, HiGHS solver) picks additions a[site, kind, year]; a
   site-year is met when the additions made by then cover its need (the sum over kinds of added
   over needed is at least 1). First the demand of met site-years is maximised within the
   budget (total, and per plan year when given), then the cost of reaching that is minimised.
3. Checking: the simulation runs again with the additions, same seed; a site-year the plan meant
   to meet whose worst month is still over the target needs one charger more of every kind, and
   the programme is solved again, up to `check_rounds` times. The last check is what is reported.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from steppe.planning import extras
from steppe.planning.arrivals import expected_rates
from steppe.planning.fleet import ProfileTable
from steppe.planning.model import Charger, Model
from steppe.planning.runner import Replication, run_replications
from steppe.planning.specs import ChargerKind, RecommendSpec, Scenario
from steppe.planning.summary import summarize

MIN_SESSION_S = 60.0


@dataclass(frozen=True, slots=True)
class Sizing:
    """Per site, plan year and kind, the chargers needed (None: not reachable with that kind)."""

    need: dict[tuple[int, int, int], int | None]
    weight: dict[tuple[int, int], float]  # arrivals of a site-year: what meeting it is worth


def erlang_c_hours(servers: int, loads: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Erlang C for an array of offered loads at once (1 where overloaded)."""
    blocking = np.ones_like(loads)
    for k in range(1, servers + 1):
        blocking = loads * blocking / (k + loads * blocking)
    with np.errstate(divide="ignore", invalid="ignore"):
        wait = servers * blocking / (servers - loads * (1 - blocking))
    wait = np.where(loads >= servers, 1.0, wait)
    return np.asarray(np.where(loads <= 0, 0.0, wait), dtype=np.float64)


def p_wait_estimate(
    servers: int, capacity_per_hour: float, rates: npt.NDArray[np.float64]
) -> float:
    """Arrival-weighted p_wait of months of hourly `rates` [month, hour] on `servers` chargers
    that together finish `capacity_per_hour` sessions an hour."""
    total = float(rates.sum())
    if total <= 0:
        return 0.0
    if servers <= 0 or capacity_per_hour <= 0:
        return 1.0
    loads = rates * servers / capacity_per_hour
    per_month = (rates * erlang_c_hours(servers, loads)).sum(axis=1) / np.maximum(
        rates.sum(axis=1), 1e-12
    )
    return float(per_month.max())


def _kind_charger(kind: ChargerKind, site: int, online: float) -> Charger:
    label = f"{kind.name}"
    return Charger(
        site, label, kind.power_kw, kind.power_type, kind.standards, online, kind.grid_kw
    )


def _session_hours(model: Model, runs: Sequence[Replication], site: int) -> float | None:
    """Mean plugged-in hours per session at the site, as simulated."""
    months = model.calendar.months
    cells = range(site * months, (site + 1) * months)
    busy = sum(run.tally.counters["busy_s"][c] for run in runs for c in cells)
    served = sum(run.tally.counters["served"][c] for run in runs for c in cells)
    return busy / served / 3600 if served > 0 else None


def _kind_mix(model: Model) -> list[float]:
    weights = [0.0] * len(model.kinds)
    for stream in model.streams:
        volume = sum(stream.daily_rate)
        for month_mix in stream.kind_mix:
            total = sum(month_mix) or 1.0
            for kind, share in enumerate(month_mix):
                weights[kind] += volume * share / total
    total = sum(weights) or 1.0
    return [w / total for w in weights]


def _kind_hours(
    model: Model, table: ProfileTable, charger: Charger, mix: Sequence[float], site: int
) -> tuple[float, float]:
    """(plugged-in hours of a typical session on this charger, share of the cars that would take
    it at `site`: those that can use it and find it not much slower than the site's best)."""
    hours = 0.0
    share = 0.0
    dwell = (model.dwell_minutes_dc if charger.dc else model.dwell_minutes_ac) / 60
    own = model.sites[site].chargers
    for kind, weight in enumerate(mix):
        profile = table.of(kind, charger)
        if profile is None or weight <= 0:
            continue
        power = profile.peak_after[0]
        best = max(
            [power] + [p.peak_after[0] for j in own if (p := model.profiles[kind][j]) is not None]
        )
        if power < model.behaviour.min_power_share * best:
            continue
        if model.kinds[kind].plain:
            stream = model.streams[0]
            charge = stream.hold_minutes / 60
            dwell = 0.0
        else:
            soc = [s for s in model.streams if s.soc_arrival]
            start = soc[0].soc_arrival[0] if soc else 25.0
            end = soc[0].soc_target[0] if soc else 80.0
            charge = max(profile.seconds(start, end), MIN_SESSION_S) / 3600
        hours += weight * (charge + dwell)
        share += weight
    return (hours / share if share > 0 else math.inf), share


def size(
    model: Model,
    table: ProfileTable,
    spec: RecommendSpec,
    runs: Sequence[Replication],
    extra: dict[tuple[int, int], int] | None = None,
) -> Sizing:
    calendar = model.calendar
    months = calendar.months
    years = math.ceil(months / 12)
    expected = expected_rates(model)
    mix = _kind_mix(model)
    need: dict[tuple[int, int, int], int | None] = {}
    weight: dict[tuple[int, int], float] = {}
    for s, site in enumerate(model.sites):
        measured = _session_hours(model, runs, s)
        kind_figures = [
            _kind_hours(model, table, _kind_charger(kind, s, 0.0), mix, s) for kind in spec.kinds
        ]
        for y in range(years):
            in_year = [
                m
                for m in range(y * 12, min((y + 1) * 12, months))
                if calendar.month_starts[m + 1] > calendar.warmup_s
            ]
            if not in_year:
                continue
            rates = expected[s, in_year, :]  # arrivals an hour [month, local hour of the week]
            weight[(s, y)] = float(rates.sum())
            first = calendar.month_starts[in_year[-1]]
            servers = [j for j in site.chargers if model.chargers[j].online_from_s <= first]
            own_hours = measured or min((h for h, _ in kind_figures), default=1.0)
            base = len(servers) / own_hours if servers else 0.0
            for k, (hours, share) in enumerate(kind_figures):
                if share <= 0 or math.isinf(hours):
                    need[(s, k, y)] = None
                    continue
                found: int | None = None
                for added in range(spec.max_per_site + 1):
                    capacity = base + added * share / hours
                    estimate = p_wait_estimate(len(servers) + added, capacity, rates)
                    if estimate <= spec.target_p_wait:
                        found = added
                        break
                if found is not None and extra:
                    found = min(found + extra.get((s, y), 0), spec.max_per_site)
                need[(s, k, y)] = found
    return Sizing(need, weight)


def choose(
    spec: RecommendSpec, sizing: Sizing, sites: int, years: int
) -> dict[tuple[int, int, int], int]:
    """The integer programme: additions a[site, kind, year]."""
    pulp = extras.pulp()
    kinds = range(len(spec.kinds))
    problem = pulp.LpProblem("chargers", pulp.LpMaximize)
    add = {
        (s, k, y): problem.add_variable(f"a_{s}_{k}_{y}", 0, spec.max_per_site, cat="Integer")
        for s in range(sites)
        for k in kinds
        for y in range(years)
    }
    met: dict[tuple[int, int], Any] = {}
    for (s, y), _ in sizing.weight.items():
        needs = [sizing.need.get((s, k, y)) for k in kinds]
        if any(n == 0 for n in needs):
            continue  # already under the target
        usable = [(k, n) for k, n in zip(kinds, needs, strict=True) if n]
        if not usable:
            continue  # no kind reaches the target there
        variable = problem.add_variable(f"m_{s}_{y}", cat="Binary")
        met[(s, y)] = variable
        problem += (
            pulp.lpSum(add[(s, k, t)] * (1.0 / n) for k, n in usable for t in range(y + 1))
            >= variable
        )
    for s in range(sites):
        problem += (
            pulp.lpSum(add[(s, k, y)] for k in kinds for y in range(years)) <= spec.max_per_site
        )
    cost = {k: float(kind.cost) for k, kind in enumerate(spec.kinds)}
    spend = pulp.lpSum(add[key] * cost[key[1]] for key in add)
    problem += spend <= float(spec.budget)
    for y, limit in enumerate(spec.budget_per_year[:years]):
        problem += pulp.lpSum(
            add[(s, k, y)] * cost[k] for s in range(sites) for k in kinds
        ) <= float(limit)
    value = pulp.lpSum(met[key] * max(sizing.weight[key], 1e-3) for key in met)
    solver = pulp.HiGHS(msg=False, timeLimit=60)
    if met:
        problem.setObjective(value)
        problem.solve(solver)
        best = pulp.value(value) or 0.0
        problem += value >= best * (1 - 1e-6) - 1e-6
    # then the cheapest way there, costs discounted by plan year: buy when needed, not before
    discounted = pulp.lpSum(
        add[key] * (cost[key[1]] / (1 + spec.discount_rate) ** key[2]) for key in add
    )
    problem.sense = pulp.LpMinimize
    problem.setObjective(discounted)
    problem.solve(solver)
    return {
        key: round(float(var.value() or 0)) for key, var in add.items() if (var.value() or 0) > 0.5
    }


def _apply(
    model: Model, table: ProfileTable, spec: RecommendSpec, plan: dict[tuple[int, int, int], int]
) -> Model:
    calendar = model.calendar
    extra: list[Charger] = []
    for (s, k, y), count in sorted(plan.items()):
        month = min(y * 12, calendar.months - 1)
        online = calendar.month_starts[month] if y > 0 else 0.0
        extra.extend(_kind_charger(spec.kinds[k], s, online) for _ in range(count))
    chargers = model.chargers + tuple(extra)
    return model.with_chargers(tuple(extra), table.table(chargers))


def _worst(summary: dict[str, Any], site_id: str, year: int) -> float | None:
    rows = summary["sites"][site_id]["months"][year * 12 : (year + 1) * 12]
    values = [row["p_wait"] for row in rows if row["p_wait"] is not None]
    return max(values) if values else None


def _year_label(model: Model, year: int) -> str:
    start = model.calendar.start.date()
    return start.replace(year=start.year + year).isoformat()


def recommend(
    model: Model,
    table: ProfileTable,
    scenario: Scenario,
    runs: Sequence[Replication],
    summary: dict[str, Any],
    *,
    workers: int | None = None,
    progress: Any = None,
) -> dict[str, Any]:
    spec = scenario.recommend
    assert spec is not None
    years = math.ceil(model.calendar.months / 12)
    bump: dict[tuple[int, int], int] = {}
    rounds = 0
    while True:
        sizing = size(model, table, spec, runs, bump)
        plan = choose(spec, sizing, len(model.sites), years)
        checked = _apply(model, table, spec, plan)
        again = run_replications(
            checked, scenario.seed, len(runs), workers=workers, progress=progress
        )
        after = summarize(
            checked,
            again,
            name=scenario.name,
            seed=scenario.seed,
            queueing_threshold=scenario.queueing_threshold,
            target_p_wait=spec.target_p_wait,
        )
        failing = [
            (s, y)
            for (s, y) in sizing.weight
            if (_worst(after, model.sites[s].id, y) or 0) > spec.target_p_wait
            and _reachable(sizing, s, y, len(spec.kinds))
        ]
        if not failing or rounds >= spec.check_rounds:
            break
        rounds += 1
        for key in failing:
            bump[key] = bump.get(key, 0) + 1
    return _report(model, spec, plan, sizing, summary, after, rounds)


def _reachable(sizing: Sizing, site: int, year: int, kinds: int) -> bool:
    return any(sizing.need.get((site, k, year)) is not None for k in range(kinds))


def _report(
    model: Model,
    spec: RecommendSpec,
    plan: dict[tuple[int, int, int], int],
    sizing: Sizing,
    before: dict[str, Any],
    after: dict[str, Any],
    rounds: int,
) -> dict[str, Any]:
    additions: list[dict[str, Any]] = []
    added = 0
    spent = Decimal(0)
    for (s, k, y), count in sorted(plan.items(), key=lambda item: (item[0][2], item[0][0])):
        kind = spec.kinds[k]
        cost = kind.cost * count
        spent += cost
        added += count
        additions.append(
            {
                "plan_year": y + 1,
                "year": _year_label(model, y),
                "site": model.sites[s].id,
                "kind": kind.name,
                "count": count,
                "cost": str(cost),
            }
        )
    check: list[dict[str, Any]] = []
    unmet: list[dict[str, Any]] = []
    for s, y in sorted(sizing.weight, key=lambda key: (key[1], key[0])):
        site_id = model.sites[s].id
        p_before, p_after = _worst(before, site_id, y), _worst(after, site_id, y)
        entry = {
            "site": site_id,
            "plan_year": y + 1,
            "year": _year_label(model, y),
            "p_wait_before": p_before,
            "p_wait_after": p_after,
            "met": p_after is None or p_after <= spec.target_p_wait,
        }
        check.append(entry)
        if not entry["met"]:
            unmet.append(entry)
    verdict = f"{added} chargers for {spent} {spec.currency} of {spec.budget}; " + (
        "every site stays under the target in every month of the re-run"
        if not unmet
        else f"{len(unmet)} site-years stay over the target in the re-run "
        "(budget, max_per_site or the grid limit)"
    )
    return {
        "target_p_wait": spec.target_p_wait,
        "budget": str(spec.budget),
        "currency": spec.currency,
        "spent": str(spent),
        "additions": additions,
        "check": check,
        "unmet": unmet,
        "check_rounds": rounds,
        "verdict": verdict,
        "method": "Erlang C by hour of the week for sizing, an integer programme (HiGHS) for the "
        "choice within the budget, the simulation re-run with the additions to check",
    }
