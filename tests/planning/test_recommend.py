"""Recommendations: chargers added where drivers wait, within the budget, checked by simulation."""

from __future__ import annotations

import json
from pathlib import Path

from steppe import cli

OVERLOADED = """
name = "two busy sites"
start = 2026-01-01
days = 60
seed = 5
replications = 2

[[sites]]
id = "BUSY"
lat = 43.24
lon = 76.89
[[sites.chargers]]
count = 2
power_kw = 50
connectors = ["CCS2"]

[[sites]]
id = "QUIET"
lat = 51.13
lon = 71.43
[[sites.chargers]]
count = 4
power_kw = 50
connectors = ["CCS2"]

[theory]
arrivals_per_hour = 1.5
duration = "exponential"
duration_minutes = 60

[behaviour]
wait_minutes = 20

[recommend]
target_p_wait = 0.10
budget = "{budget}"
currency = "KZT"
max_per_site = 8
[[recommend.kinds]]
name = "DC 50 kW"
power_kw = 50
connectors = ["CCS2"]
cost = "10000000"
"""


def _plan(tmp_path: Path, budget: str) -> tuple[dict, dict]:
    path = tmp_path / f"busy-{budget}.toml"
    path.write_text(OVERLOADED.replace("{budget}", budget))
    out = tmp_path / f"out-{budget}"
    assert cli.main(["plan", str(path), "--out", str(out), "--quiet", "--workers", "1"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    return summary, json.loads((out / "recommendations.json").read_text())


def test_chargers_go_where_drivers_wait_and_the_rerun_meets_the_target(tmp_path: Path) -> None:
    """1.5 an hour for an hour on 2 chargers waits a lot: chargers go there, not elsewhere."""
    summary, plan = _plan(tmp_path, "100000000")
    assert summary["sites"]["BUSY"]["months"][0]["p_wait"] > 0.3
    assert summary["sites"]["QUIET"]["months"][0]["p_wait"] < 0.10
    assert {item["site"] for item in plan["additions"]} == {"BUSY"}
    added = sum(item["count"] for item in plan["additions"])
    assert 1 <= added <= 4
    assert plan["spent"] == str(10_000_000 * added)
    after = {(c["site"], c["plan_year"]): c for c in plan["check"]}
    assert after[("BUSY", 1)]["p_wait_after"] <= 0.10 and after[("BUSY", 1)]["met"]
    assert plan["unmet"] == []


def test_a_budget_too_small_is_spent_and_the_shortfall_reported(tmp_path: Path) -> None:
    """With money for no charger, nothing is added and the busy site is reported unmet."""
    _, plan = _plan(tmp_path, "5000000")
    assert plan["additions"] == [] and plan["spent"] == "0"
    assert [(u["site"], u["plan_year"]) for u in plan["unmet"]] == [("BUSY", 1)]
