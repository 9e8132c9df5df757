"""The speed benchmark's network builds and runs (a small one; the real run: bench/planning.py)."""

from __future__ import annotations

import pytest

from bench import planning


def test_the_benchmark_runs_a_small_network_and_reports_its_speed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Twenty sites, 2,000 cars, a week: it runs, prints the figures and meets the target."""
    argv = ["--sites", "20", "--cars", "2000", "--days", "7", "--replications", "1"]
    assert planning.main([*argv, "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "us_per_arrival" in out and "met                       True" in out
