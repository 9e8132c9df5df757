"""`report.html`: the summary as plots and tables in one self-contained page.

Plots are drawn with matplotlib's Agg backend and embedded as PNG data, so the page needs no
network and no files beside it.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from steppe.planning.model import Model

MAX_LINES = 10
MAX_PANELS = 6


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="" src="data:image/png;base64,{data}">'


def _busiest(summary: dict[str, Any], key: str) -> list[str]:
    def score(site_id: str) -> float:
        rows = summary["sites"][site_id]["months"]
        return max((row[key] or 0.0) for row in rows) if rows else 0.0

    return sorted(summary["sites"], key=score, reverse=True)[:MAX_LINES]


def _over_time(summary: dict[str, Any], key: str, title: str, target: float | None) -> str:
    months = summary["months"]
    figure, axes = plt.subplots(figsize=(9, 3.6))
    for site_id in _busiest(summary, key):
        values = [
            row[key] if row[key] is not None else float("nan")
            for row in summary["sites"][site_id]["months"]
        ]
        axes.plot(range(len(months)), values, label=site_id, linewidth=1.4)
    if target is not None:
        axes.axhline(target, color="red", linestyle="--", linewidth=1, label="target")
    _month_axis(axes, months)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=7, ncol=2, loc="upper left")
    return _png(figure)


def _month_axis(axes: Any, months: list[str]) -> None:
    step = max(1, len(months) // 12)
    ticks = list(range(0, len(months), step))
    axes.set_xticks(ticks)
    axes.set_xticklabels([months[i] for i in ticks], rotation=45, fontsize=7)


def _load(summary: dict[str, Any]) -> str:
    limited = [s for s in summary["sites"] if summary["sites"][s]["grid_limit_kw"] is not None]
    chosen = sorted(
        limited or list(summary["sites"]),
        key=lambda s: max((r["peak_kw"] or 0) for r in summary["sites"][s]["months"]),
        reverse=True,
    )[:MAX_PANELS]
    if not chosen:
        return ""
    months = summary["months"]
    columns = min(3, len(chosen))
    rows = (len(chosen) + columns - 1) // columns
    figure, grid = plt.subplots(rows, columns, figsize=(3.4 * columns, 2.6 * rows), squeeze=False)
    for panel, site_id in enumerate(chosen):
        axes = grid[panel // columns][panel % columns]
        site = summary["sites"][site_id]
        axes.plot([row["peak_kw"] or 0 for row in site["months"]], label="peak kW")
        limits = [row["grid_limit_kw"] for row in site["months"]]
        if any(limit is not None for limit in limits):
            axes.plot(
                [float("nan") if v is None else v for v in limits],
                color="red",
                linestyle="--",
                label="grid limit",
            )
        axes.set_title(site_id, fontsize=8)
        axes.set_ylim(bottom=0)
        _month_axis(axes, months)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=6)
    for panel in range(len(chosen), rows * columns):
        grid[panel // columns][panel % columns].axis("off")
    figure.suptitle("Monthly peak load against the grid limit", fontsize=10)
    figure.tight_layout()
    return _png(figure)


def _map(model: Model, summary: dict[str, Any]) -> str:
    figure, axes = plt.subplots(figsize=(8, 5))
    lats, lons, sizes, colours = [], [], [], []
    for site in model.sites:
        rows = summary["sites"][site.id]["months"]
        lats.append(site.lat)
        lons.append(site.lon)
        sizes.append(30 + 25 * (rows[-1]["chargers"] if rows else len(site.chargers)))
        colours.append(max((row["p_wait"] or 0.0) for row in rows) if rows else 0.0)
    points = axes.scatter(
        lons,
        lats,
        s=sizes,
        c=colours,
        cmap="RdYlGn_r",
        vmin=0,
        vmax=0.5,
        edgecolors="black",
        linewidths=0.5,
        alpha=0.85,
    )
    if len(model.sites) <= 40:
        for site, lon, lat in zip(model.sites, lons, lats, strict=True):
            axes.annotate(
                site.id, (lon, lat), fontsize=7, xytext=(4, 4), textcoords="offset points"
            )
    figure.colorbar(points, ax=axes, label="highest monthly p_wait")
    axes.set_xlabel("longitude")
    axes.set_ylabel("latitude")
    axes.set_title("Sites (size: chargers at the end; colour: worst month's waiting)")
    axes.grid(alpha=0.3)
    return _png(figure)


def _network(summary: dict[str, Any]) -> str:
    rows = summary["network"]
    months = summary["months"]
    figure, axes = plt.subplots(figsize=(9, 3.2))
    axes.bar(range(len(rows)), [row["energy_kwh"] / 1000 for row in rows], color="#4a7")
    axes.set_ylabel("MWh")
    twin = axes.twinx()
    twin.plot([row["lost_sessions"] for row in rows], color="#c33", label="lost sessions")
    twin.set_ylabel("lost sessions")
    _month_axis(axes, months)
    axes.set_title("Network: energy per month (bars) and lost sessions (line)")
    return _png(figure)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 10 else f"{value:,.0f}"
    if isinstance(value, dict):
        return ", ".join(f"{amount} {currency}" for currency, amount in value.items()) or "-"
    return html.escape(str(value))


def _site_table(summary: dict[str, Any]) -> str:
    head = (
        "<tr><th>site</th><th>p_wait over the span</th><th>chargers</th><th>grid limit kW</th>"
        "<th>queueing from</th>"
        "<th>over target from</th><th>at grid limit from</th><th>last month: utilisation</th>"
        "<th>p_wait</th><th>mean wait min</th><th>lost</th><th>energy kWh</th><th>revenue</th>"
        "<th>peak kW</th></tr>"
    )
    lines = [head]
    for site_id, site in summary["sites"].items():
        last = site["months"][-1] if site["months"] else {}
        cells = [
            site_id,
            site["overall"]["p_wait"],
            last.get("chargers"),
            last.get("grid_limit_kw"),
            site["queueing_from"],
            site["over_target_from"],
            site["at_grid_limit_from"],
            last.get("utilisation"),
            last.get("p_wait"),
            last.get("mean_wait_minutes"),
            last.get("lost_sessions"),
            last.get("energy_kwh"),
            last.get("revenue"),
            last.get("peak_kw"),
        ]
        lines.append("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in cells) + "</tr>")
    return "<table>" + "".join(lines) + "</table>"


def _recommendations(recommendations: dict[str, Any] | None) -> str:
    if recommendations is None:
        return ""
    parts = ["<h2>Recommendations</h2>", f"<p>{html.escape(recommendations['verdict'])}</p>"]
    rows = ["<tr><th>plan year</th><th>site</th><th>add</th><th>kind</th><th>cost</th></tr>"]
    for item in recommendations["additions"]:
        rows.append(
            f"<tr><td>{item['year']}</td><td>{html.escape(item['site'])}</td>"
            f"<td>{item['count']}</td><td>{html.escape(item['kind'])}</td>"
            f"<td>{item['cost']} {html.escape(recommendations['currency'])}</td></tr>"
        )
    parts.append("<table>" + "".join(rows) + "</table>")
    checks = ["<tr><th>site</th><th>plan year</th><th>worst p_wait before</th><th>after</th></tr>"]
    for item in recommendations["check"]:
        checks.append(
            f"<tr><td>{html.escape(item['site'])}</td><td>{item['year']}</td>"
            f"<td>{_cell(item['p_wait_before'])}</td><td>{_cell(item['p_wait_after'])}</td></tr>"
        )
    parts.append("<h3>Checked by simulation</h3><table>" + "".join(checks) + "</table>")
    return "".join(parts)


STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:1200px}"
    "table{border-collapse:collapse;font-size:12px;margin:1em 0}"
    "td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}"
    "th{background:#eee}img{max-width:100%}"
)


def write_report(
    out: Path,
    model: Model,
    summary: dict[str, Any],
    recommendations: dict[str, Any] | None,
    timing: dict[str, Any],
) -> Path:
    title = html.escape(summary["scenario"])
    target = summary["target_p_wait"]
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in summary["notes"])
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}: planning report</title>
<style>{STYLE}</style></head><body>
<h1>{title}</h1>
<p>{summary["start"]}, {summary["days"]:g} days, {len(model.sites)} sites,
{len(model.chargers)} chargers, {summary["replications"]} replication(s) (seed {summary["seed"]});
simulated in {timing["seconds"]} s on {timing["workers"]} process(es), {timing["arrivals"]:,}
arrivals.</p>
{f"<ul>{notes}</ul>" if notes else ""}
<h2>Waiting</h2>
{_over_time(summary, "p_wait", "Share of drivers who had to wait (p_wait)", target)}
<h2>Utilisation</h2>
{_over_time(summary, "utilisation", "Charger time with a car plugged in", None)}
<h2>Load</h2>
{_load(summary)}
<h2>Map</h2>
{_map(model, summary)}
<h2>Network</h2>
{_network(summary)}
<h2>Sites</h2>
{_site_table(summary)}
{_recommendations(recommendations)}
</body></html>
"""
    path = out / "report.html"
    path.write_text(page, "utf-8")
    return path
