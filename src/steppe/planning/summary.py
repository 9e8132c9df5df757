"""From the replications' counts to what each site sees per month: `summary.json`.

Per site and month, each replication gives `utilisation` (charger time with a car plugged in over
charger time in service), `p_wait` (drivers who found every usable charger taken, over drivers
for whom the site has a usable charger), `mean_wait_minutes` (over drivers who plugged in, zero
waits included), `lost_sessions`, `energy_kwh` and `revenue` (of sessions that started in the
month, priced when the car unplugs), `peak_kw`; the summary gives their mean over replications,
and for `p_wait` the half-width of its 95 % confidence interval.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from steppe.domain.tariffs.currencies import round_money
from steppe.planning.model import Model
from steppe.planning.runner import Replication

# Student's t, two-sided 95 %, by degrees of freedom (1-30); beyond that the normal's 1.96.
T95 = (
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
)


def half_width(values: Sequence[float]) -> float | None:
    """Half-width of the 95 % confidence interval of the mean (None with fewer than 2 values)."""
    if len(values) < 2:
        return None
    t = T95[len(values) - 2] if len(values) - 1 <= len(T95) else 1.96
    return t * statistics.stdev(values) / math.sqrt(len(values))


def capacity_s(model: Model, site: int, month: int) -> float:
    """Charger-seconds in service at `site` during `month` (warm-up left out)."""
    calendar = model.calendar
    begin = max(calendar.month_starts[month], calendar.warmup_s)
    end = calendar.month_starts[month + 1]
    total = 0.0
    for j in model.sites[site].chargers:
        start = max(begin, model.chargers[j].online_from_s)
        total += max(end - start, 0.0)
    return total


def _ratio(top: float, bottom: float) -> float | None:
    return top / bottom if bottom > 0 else None


def _mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.fmean(known) if known else None


def _round(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


def cell_metrics(model: Model, run: Replication, site: int, month: int) -> dict[str, float | None]:
    counters = run.tally.counters
    cell = site * model.calendar.months + month
    return {
        "utilisation": _ratio(counters["busy_s"][cell], capacity_s(model, site, month)),
        "p_wait": _ratio(counters["waited"][cell], counters["eligible"][cell]),
        "mean_wait_minutes": (
            None
            if counters["served"][cell] == 0
            else counters["wait_s"][cell] / counters["served"][cell] / 60
        ),
        "lost_sessions": counters["lost"][cell],
        "energy_kwh": counters["energy_kwh"][cell],
        "peak_kw": counters["peak_kw"][cell],
        "arrivals": counters["arrivals"][cell],
        "sessions": counters["served"][cell],
        "diverted": counters["diverted"][cell],
        "grid_limited_sessions": counters["limited"][cell],
    }


def _revenue(runs: Sequence[Replication], cell: int, which: int) -> dict[str, str]:
    totals: dict[str, Decimal] = {}
    for run in runs:
        for currency, pair in run.tally.revenue.get(cell, {}).items():
            totals[currency] = totals.get(currency, Decimal(0)) + pair[which]
    return {
        currency: str(round_money(total / len(runs), currency))
        for currency, total in sorted(totals.items())
    }


def summarize(
    model: Model,
    runs: Sequence[Replication],
    *,
    name: str,
    seed: int,
    queueing_threshold: float,
    target_p_wait: float,
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    calendar = model.calendar
    months = calendar.months
    sites_out: dict[str, Any] = {}
    for s, site in enumerate(model.sites):
        rows = []
        for m in range(months):
            per_run = [cell_metrics(model, run, s, m) for run in runs]
            row: dict[str, Any] = {"month": calendar.month_labels[m]}
            for key in per_run[0]:
                places = 4 if key in ("utilisation", "p_wait") else 2
                row[key] = _round(_mean([r[key] for r in per_run]), places)
            waits = [r["p_wait"] for r in per_run if r["p_wait"] is not None]
            row["p_wait_ci95"] = _round(half_width(waits), 4)
            cell = s * months + m
            row["revenue"] = _revenue(runs, cell, 1)
            row["revenue_excl_vat"] = _revenue(runs, cell, 0)
            in_service = [
                model.chargers[j]
                for j in site.chargers
                if model.chargers[j].online_from_s < calendar.month_starts[m + 1]
            ]
            row["chargers"] = len(in_service)
            limit = site.grid_limit_kw + sum(c.grid_kw for c in in_service)
            row["grid_limit_kw"] = None if math.isinf(limit) else round(limit, 1)
            rows.append(row)
        sites_out[site.id] = {
            "name": site.name,
            "overall": _overall(model, runs, s),
            "lat": site.lat,
            "lon": site.lon,
            "country": site.country,
            "grid_limit_kw": None if math.isinf(site.grid_limit_kw) else site.grid_limit_kw,
            "tariff": site.tariff.id if site.tariff else None,
            "queueing_from": _first(rows, lambda r: (r["p_wait"] or 0) >= queueing_threshold),
            "over_target_from": _first(rows, lambda r: (r["p_wait"] or 0) > target_p_wait),
            "at_grid_limit_from": _first(rows, lambda r: (r["grid_limited_sessions"] or 0) > 0),
            "months": rows,
        }
    return {
        "scenario": name,
        "start": calendar.start.date().isoformat(),
        "days": calendar.horizon_s / 86400,
        "warmup_days": calendar.warmup_s / 86400,
        "months": list(calendar.month_labels),
        "seed": seed,
        "replications": len(runs),
        "queueing_threshold": queueing_threshold,
        "target_p_wait": target_p_wait,
        "vehicles": [kind.label for kind in model.kinds],
        "sites": sites_out,
        "network": _network(model, runs),
        "notes": list(notes),
    }


def _overall(model: Model, runs: Sequence[Replication], site: int) -> dict[str, Any]:
    """The site over the whole span (warm-up left out): each replication pooled, then the mean
    over replications and the half-width of its 95 % confidence interval."""
    months = model.calendar.months
    cells = range(site * months, (site + 1) * months)
    capacity = sum(capacity_s(model, site, m) for m in range(months))
    per_run: dict[str, list[float]] = {"p_wait": [], "mean_wait_minutes": [], "utilisation": []}
    for run in runs:
        counters = run.tally.counters

        def total(name: str, counters: dict[str, list[float]] = counters) -> float:
            return sum(counters[name][c] for c in cells)

        if total("eligible") > 0:
            per_run["p_wait"].append(total("waited") / total("eligible"))
        if total("served") > 0:
            per_run["mean_wait_minutes"].append(total("wait_s") / total("served") / 60)
        if capacity > 0:
            per_run["utilisation"].append(total("busy_s") / capacity)
    out: dict[str, Any] = {}
    for key, values in per_run.items():
        out[key] = _round(_mean(values), 4)
        out[f"{key}_ci95"] = _round(half_width(values), 4)
    return out


def _first(rows: list[dict[str, Any]], test: Any) -> str | None:
    for row in rows:
        if test(row):
            return str(row["month"])
    return None


def _network(model: Model, runs: Sequence[Replication]) -> list[dict[str, Any]]:
    """Totals over all sites per month (means over replications)."""
    months = model.calendar.months
    out = []
    for m in range(months):
        cells = [s * months + m for s in range(len(model.sites))]

        def total(name: str, run: Replication, cells: list[int] = cells) -> float:
            return sum(run.tally.counters[name][c] for c in cells)

        waited = [total("waited", run) for run in runs]
        eligible = [total("eligible", run) for run in runs]
        revenue: dict[str, Decimal] = {}
        for run in runs:
            for cell in cells:
                for currency, pair in run.tally.revenue.get(cell, {}).items():
                    revenue[currency] = revenue.get(currency, Decimal(0)) + pair[1]
        out.append(
            {
                "month": model.calendar.month_labels[m],
                "arrivals": round(statistics.fmean(total("arrivals", r) for r in runs), 2),
                "sessions": round(statistics.fmean(total("served", r) for r in runs), 2),
                "p_wait": _round(
                    _mean([_ratio(w, e) for w, e in zip(waited, eligible, strict=True)])
                ),
                "lost_sessions": round(statistics.fmean(total("lost", r) for r in runs), 2),
                "energy_kwh": round(statistics.fmean(total("energy_kwh", r) for r in runs), 2),
                "revenue": {
                    c: str(round_money(v / len(runs), c)) for c, v in sorted(revenue.items())
                },
            }
        )
    return out
