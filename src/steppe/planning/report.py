"""`report.html`: the summary as plots and tables in one self-contained page.

Plots are drawn with matplotlib's Agg backend and embedded as PNG data, so the page needs no
network and no files beside it.
"""

from __future__ import annotations

import base64
import html
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from steppe.planning.model import Model
from steppe.planning.report_language import N_, ReportLanguage, ReportText

MAX_LINES = 10
MAX_PANELS = 6


def _png(figure: Figure, alt: str) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _busiest(summary: dict[str, Any], key: str) -> list[str]:
    def score(site_id: str) -> float:
        rows = summary["sites"][site_id]["months"]
        return max((row[key] or 0.0) for row in rows) if rows else 0.0

    return sorted(summary["sites"], key=score, reverse=True)[:MAX_LINES]


def _over_time(
    _: ReportText, summary: dict[str, Any], key: str, title: str, target: float | None
) -> str:
    months = summary["months"]
    figure, axes = plt.subplots(figsize=(9, 3.6))
    for site_id in _busiest(summary, key):
        values = [
            row[key] if row[key] is not None else float("nan")
            for row in summary["sites"][site_id]["months"]
        ]
        axes.plot(range(len(months)), values, label=site_id, linewidth=1.4)
    if target is not None:
        axes.axhline(target, color="red", linestyle="--", linewidth=1, label=_("target"))
    _month_axis(axes, months)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=7, ncol=2, loc="upper left")
    return _png(figure, title)


def _month_axis(axes: Any, months: list[str]) -> None:
    step = max(1, len(months) // 12)
    ticks = list(range(0, len(months), step))
    axes.set_xticks(ticks)
    axes.set_xticklabels([months[i] for i in ticks], rotation=45, fontsize=7)


def _load(_: ReportText, summary: dict[str, Any]) -> str:
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
        axes.plot([row["peak_kw"] or 0 for row in site["months"]], label=_("peak kW"))
        limits = [row["grid_limit_kw"] for row in site["months"]]
        if any(limit is not None for limit in limits):
            axes.plot(
                [float("nan") if v is None else v for v in limits],
                color="red",
                linestyle="--",
                label=_("grid limit"),
            )
        axes.set_title(site_id, fontsize=8)
        axes.set_ylim(bottom=0)
        _month_axis(axes, months)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=6)
    for panel in range(len(chosen), rows * columns):
        grid[panel // columns][panel % columns].axis("off")
    peaks = _("Monthly peak load against the grid limit")
    figure.suptitle(peaks, fontsize=10)
    figure.tight_layout()
    return _png(figure, peaks)


def _map(_: ReportText, model: Model, summary: dict[str, Any]) -> str:
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
    figure.colorbar(points, ax=axes, label=_("highest monthly p_wait"))
    axes.set_xlabel(_("longitude"))
    axes.set_ylabel(_("latitude"))
    title = _("Sites (size: chargers at the end; colour: worst month's waiting)")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    return _png(figure, title)


def _network(_: ReportText, summary: dict[str, Any]) -> str:
    rows = summary["network"]
    months = summary["months"]
    figure, axes = plt.subplots(figsize=(9, 3.2))
    axes.bar(range(len(rows)), [row["energy_kwh"] / 1000 for row in rows], color="#4a7")
    axes.set_ylabel(_("MWh"))
    twin = axes.twinx()
    twin.plot([row["lost_sessions"] for row in rows], color="#c33", label=_("lost sessions"))
    twin.set_ylabel(_("lost sessions"))
    _month_axis(axes, months)
    title = _("Network: energy per month (bars) and lost sessions (line)")
    axes.set_title(title)
    return _png(figure, title)


def _cell(_: ReportText, value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return html.escape(str(value))
    if isinstance(value, (int, float)):
        return _.number(value)
    if isinstance(value, dict):
        amounts = (
            f"{_.number(Decimal(amount))} {html.escape(currency)}"
            for currency, amount in value.items()
        )
        return ", ".join(amounts) or "-"
    return html.escape(str(value))


def _head(_: ReportText, *labels: str) -> str:
    return "<tr>" + "".join(f"<th>{html.escape(_(label))}</th>" for label in labels) + "</tr>"


SITE_COLUMNS = (
    N_("site"),
    N_("p_wait over the span"),
    N_("chargers"),
    N_("grid limit kW"),
    N_("queueing from"),
    N_("over target from"),
    N_("at grid limit from"),
    N_("last month: utilisation"),
    N_("p_wait"),
    N_("mean wait min"),
    N_("lost"),
    N_("energy kWh"),
    N_("revenue"),
    N_("peak kW"),
)


def _site_table(_: ReportText, summary: dict[str, Any]) -> str:
    lines = [_head(_, *SITE_COLUMNS)]
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
        lines.append("<tr>" + "".join(f"<td>{_cell(_, c)}</td>" for c in cells) + "</tr>")
    return "<table>" + "".join(lines) + "</table>"


def _verdict(_: ReportText, recommendations: dict[str, Any]) -> str:
    added = sum(int(item["count"]) for item in recommendations["additions"])
    money = {
        "spent": _.number(Decimal(recommendations["spent"])),
        "budget": _.number(Decimal(recommendations["budget"])),
        "currency": recommendations["currency"],
    }
    first = _("%(added)s chargers for %(spent)s %(currency)s of %(budget)s", added=added, **money)
    unmet = len(recommendations["unmet"])
    if not unmet:
        return first + "; " + _("every site stays under the target in every month of the re-run")
    rest = _(
        "%(unmet)s site-years stay over the target in the re-run "
        "(budget, max_per_site or the grid limit)",
        unmet=unmet,
    )
    return first + "; " + rest


def _recommendations(_: ReportText, recommendations: dict[str, Any] | None) -> str:
    if recommendations is None:
        return ""
    parts = [
        "<h2>" + html.escape(_("Recommendations")) + "</h2>",
        f"<p>{html.escape(_verdict(_, recommendations))}</p>",
    ]
    rows = [_head(_, N_("plan year"), N_("site"), N_("add"), N_("kind"), N_("cost"))]
    for item in recommendations["additions"]:
        cost = f"{_.number(Decimal(item['cost']))} {html.escape(recommendations['currency'])}"
        rows.append(
            f"<tr><td>{item['year']}</td><td>{html.escape(item['site'])}</td>"
            f"<td>{item['count']}</td><td>{html.escape(item['kind'])}</td><td>{cost}</td></tr>"
        )
    parts.append("<table>" + "".join(rows) + "</table>")
    checks = [_head(_, N_("site"), N_("plan year"), N_("worst p_wait before"), N_("after"))]
    for item in recommendations["check"]:
        checks.append(
            f"<tr><td>{html.escape(item['site'])}</td><td>{item['year']}</td>"
            f"<td>{_cell(_, item['p_wait_before'])}</td>"
            f"<td>{_cell(_, item['p_wait_after'])}</td></tr>"
        )
    parts.append("<h3>" + html.escape(_("Checked by simulation")) + "</h3>")
    parts.append("<table>" + "".join(checks) + "</table>")
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
    language: ReportLanguage = "en",
) -> Path:
    _ = ReportText.of(language)
    name = html.escape(summary["scenario"])
    target = summary["target_p_wait"]
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in summary["notes"])
    intro = _(
        "%(start)s, %(days)s days, %(sites)s sites, %(chargers)s chargers, "
        "%(replications)s replication(s) (seed %(seed)s); simulated in %(seconds)s s on "
        "%(workers)s process(es), %(arrivals)s arrivals.",
        start=summary["start"],
        days=_.number(summary["days"]),
        sites=len(model.sites),
        chargers=len(model.chargers),
        replications=summary["replications"],
        seed=summary["seed"],
        seconds=_.number(timing["seconds"]),
        workers=timing["workers"],
        arrivals=_.number(timing["arrivals"]),
    )

    def heading(text: str) -> str:
        return f"<h2>{html.escape(text)}</h2>"

    title = _("%(name)s: planning report", name=summary["scenario"])
    headings = {
        key: heading(text)
        for key, text in (
            ("waiting", _("Waiting")),
            ("utilisation", _("Utilisation")),
            ("load", _("Load")),
            ("map", _("Map")),
            ("network", _("Network")),
            ("sites", _("Sites")),
        )
    }
    waiting = _("Share of drivers who had to wait (p_wait)")
    plugged = _("Charger time with a car plugged in")
    page = f"""<!doctype html>
<html lang="{language}"><head><meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>{STYLE}</style></head><body>
<h1>{name}</h1>
<p>{html.escape(intro)}</p>
{f"<ul>{notes}</ul>" if notes else ""}
{headings["waiting"]}
{_over_time(_, summary, "p_wait", waiting, target)}
{headings["utilisation"]}
{_over_time(_, summary, "utilisation", plugged, None)}
{headings["load"]}
{_load(_, summary)}
{headings["map"]}
{_map(_, model, summary)}
{headings["network"]}
{_network(_, summary)}
{headings["sites"]}
{_site_table(_, summary)}
{_recommendations(_, recommendations)}
</body></html>
"""
    path = out / "report.html"
    path.write_text(page, "utf-8")
    return path
