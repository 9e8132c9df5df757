"""`steppe plan` as a planner runs it: a scenario file in, summary.json and report.html out."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from steppe import cli
from steppe.domain.vehicles.models import Catalogue
from steppe.planning import extras
from steppe.planning.builder import build_model
from steppe.planning.scenario import load
from tests.planning.demo import EXAMPLES, short_demo

METRICS = (
    "utilisation",
    "p_wait",
    "mean_wait_minutes",
    "lost_sessions",
    "energy_kwh",
    "revenue",
    "peak_kw",
)


def test_plan_writes_a_summary_recommendations_and_a_self_contained_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo network for 40 days: every site has every metric per month, and a report."""
    out = tmp_path / "out"
    assert cli.main(["plan", str(short_demo(tmp_path)), "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["months"] == ["2026-01", "2026-02"]
    assert set(summary["sites"]) == {f"DEMO-00{n}" for n in range(1, 6)} | {"DEMO-004-B"}
    # the second Shymkent site has no charger before 2027: its drivers go on to the first one
    later = summary["sites"]["DEMO-004-B"]["months"][0]
    assert later["chargers"] == 0 and later["sessions"] == 0 and later["diverted"] > 0
    almaty = summary["sites"]["DEMO-001"]
    for month in almaty["months"]:
        assert set(METRICS) <= set(month)
        assert 0 <= month["utilisation"] <= 1 and 0 <= month["p_wait"] <= 1
        assert month["peak_kw"] <= month["grid_limit_kw"] == 400
        assert month["energy_kwh"] > 0
        assert re.fullmatch(r"\d+\.\d{2}", month["revenue"]["KZT"])  # Decimal as a string
    assert "UZS" in summary["sites"]["DEMO-005"]["months"][0]["revenue"]
    recommendations = json.loads((out / "recommendations.json").read_text())
    assert recommendations["currency"] == "KZT" and recommendations["check"]
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") >= 5  # plots inside the page
    assert "<script" not in page and "http://" not in page and "https://" not in page
    captured = capsys.readouterr()
    assert "wrote" in captured.out and "%" in captured.err  # the progress bar is on stderr


def test_every_shipped_example_loads_and_builds() -> None:
    """The examples under examples/planning are valid scenarios for the shipped catalogue."""
    paths = sorted(EXAMPLES.glob("*.toml"))
    assert len(paths) >= 4
    for path in paths:
        scenario = load(path)
        if scenario.current is not None:
            continue  # read from a database: see test_stored_network.py
        model = build_model(scenario, None if scenario.theory else Catalogue.load())
        assert model.sites and model.chargers, path.name


def test_a_mistyped_key_is_named_and_nothing_is_simulated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A typo in the scenario stops the run with the key's path, not a traceback."""
    path = tmp_path / "typo.toml"
    path.write_text(
        (EXAMPLES / "erlang-c.toml")
        .read_text()
        .replace("power_kw = 50", "power_kw = 50\npowr_kw = 1")
    )
    out = tmp_path / "out"
    assert cli.main(["plan", str(path), "--out", str(out)]) == 2
    assert "sites[0].chargers[0]: unknown keys ['powr_kw']" in capsys.readouterr().err
    assert not out.exists()


def test_without_the_plan_extra_the_command_says_what_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the optimiser missing, `steppe plan` names the extra instead of a traceback."""
    real = extras.importlib.util.find_spec
    monkeypatch.setattr(
        extras.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "pulp" else real(name, *a),
    )
    code = cli.main(["plan", str(EXAMPLES / "erlang-c.toml"), "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert "pulp" in err and "pip install 'steppe[plan]'" in err
