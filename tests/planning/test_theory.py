"""The simulation against queueing theory and against arithmetic done by hand."""

from __future__ import annotations

import json
import statistics
from decimal import Decimal
from pathlib import Path

from steppe import cli
from steppe.planning.erlang import erlang_c, mean_wait
from steppe.planning.runner import Replication, run_replications
from steppe.planning.summary import half_width
from tests.planning.conftest import model_of

MMC = """
name = "M/M/6"
start = 2026-01-01
days = 120
warmup_days = 2

[[sites]]
id = "S1"
lat = 43.24
lon = 76.89

[[sites.chargers]]
count = 6
power_kw = 50
connectors = ["CCS2"]

[theory]
arrivals_per_hour = 10
arrivals = "poisson"
duration = "exponential"
duration_minutes = 30

[behaviour]
wait_minutes = inf
"""


def _pooled(run: Replication) -> tuple[float, float]:
    """(p_wait, mean wait in minutes) of one replication over its whole span."""
    counters = run.tally.counters
    p_wait = sum(counters["waited"]) / sum(counters["eligible"])
    wait = sum(counters["wait_s"]) / sum(counters["served"]) / 60
    return p_wait, wait


def test_one_site_with_six_chargers_waits_as_erlang_c_says() -> None:
    """M/M/6 at 10 arrivals an hour and 30-minute sessions: p_wait and mean wait match Erlang C."""
    model = model_of(MMC)
    runs = run_replications(model, seed=7, replications=4, workers=1)
    p_waits, waits = zip(*(_pooled(run) for run in runs), strict=True)
    expected_p = erlang_c(6, 10 * 0.5)  # 0.5875
    expected_wait = mean_wait(6, 10, 0.5) * 60  # 17.6 minutes
    assert round(expected_p, 4) == 0.5875
    p_wait = statistics.fmean(p_waits)
    assert abs(p_wait - expected_p) < 0.02
    p_half = half_width(p_waits)
    wait_half = half_width(waits)
    assert p_half is not None and wait_half is not None
    assert abs(p_wait - expected_p) <= p_half
    assert abs(statistics.fmean(waits) - expected_wait) <= wait_half
    utilisation = sum(sum(run.tally.counters["busy_s"]) for run in runs) / (4 * 6 * 118 * 86400)
    assert abs(utilisation - 5 / 6) < 0.02


def test_a_quiet_site_rarely_waits_and_a_busier_one_waits_more() -> None:
    """With 2 chargers, p_wait follows Erlang C at a light and at a heavy load."""
    for rate, expected in ((1.0, erlang_c(2, 0.5)), (3.0, erlang_c(2, 1.5))):
        text = (
            MMC.replace("count = 6", "count = 2")
            .replace("arrivals_per_hour = 10", f"arrivals_per_hour = {rate}")
            .replace("days = 120", "days = 200")
        )
        runs = run_replications(model_of(text), seed=11, replications=3, workers=1)
        p_wait = statistics.fmean(_pooled(run)[0] for run in runs)
        assert abs(p_wait - expected) < 0.02, (rate, p_wait, expected)


HAND = """
name = "hand calculation"
start = 2026-01-01
days = 1

[[sites]]
id = "ALA"
lat = 43.24
lon = 76.89
time_zone = "Asia/Almaty"
country = "KZ"
grid_limit_kw = 75
tariff = "energy"

[[sites.chargers]]
count = 2
power_kw = 50
connectors = ["CCS2"]

[[tariffs]]
id = "energy"
currency = "KZT"
[[tariffs.elements]]
price_components = [{ type = "ENERGY", price = "100.00", step_size = 1 }]

[theory]
arrivals_per_hour = 2
arrivals = "regular"
duration = "fixed"
duration_minutes = 50

[load_management]
rebalance_minutes = 5
"""


def test_regular_arrivals_on_a_shared_grid_limit_give_the_hand_calculated_figures() -> None:
    """A car every 30 min for 50 min on two 50 kW chargers under a 75 kW limit, worked by hand."""
    model = model_of(HAND)
    (run,) = run_replications(model, seed=1, replications=1)
    counters = run.tally.counters
    # Cars arrive at 0, 30, ..., 1410 minutes (48 of them) and alternate between the chargers:
    # car k holds one from 30k to 30k + 50, so a free charger is always there: nobody waits.
    assert counters["arrivals"][0] == 48
    assert counters["waited"][0] == 0
    assert counters["wait_s"][0] == 0
    # Car k overlaps car k - 1 for its first 20 minutes and car k + 1 for its last 20: two cars
    # share 75 kW (37.5 each) then, and alone it draws the charger's 50 kW for 10 minutes.
    #   car 0:      30 min x 50 kW + 20 min x 37.5 kW = 25 + 12.5          = 37.5 kWh
    #   cars 1-46:  20 x 37.5 + 10 x 50 + 20 x 37.5 (minutes) = 12.5 + 8.333 + 12.5 = 33.333 kWh
    #   car 47 is still plugged in at the end (1410 + 50 > 1440): not counted as a session.
    assert counters["served"][0] == 48
    energy = 37.5 + 46 * (12.5 + 50 / 6 + 12.5)
    assert abs(counters["energy_kwh"][0] - energy) < 1e-6  # 1570.833 kWh
    # Every counted session was held to its share at some point; the site peaked at its limit.
    assert counters["limited"][0] == 47
    assert counters["peak_kw"][0] == 75
    # Plugged-in time: 47 cars x 50 min, plus car 47's last 30 min, over 2 chargers x 1440 min.
    assert abs(counters["busy_s"][0] / (2 * 1440 * 60) - (47 * 50 + 30) / 2880) < 1e-9
    # Revenue at 100 KZT/kWh plus Kazakhstan's 16 % VAT of 2026, per session, to the tiyn:
    #   car 0:      37,500 Wh -> 3,750.00 excl., 4,350.00 incl.
    #   cars 1-46:  33,333 Wh -> 3,333.30 excl., 3,866.628 -> 3,866.63 incl.
    excl, incl = run.tally.revenue[0]["KZT"]
    assert excl == Decimal("3750.00") + 46 * Decimal("3333.30")  # 157,081.80
    assert incl == Decimal("4350.00") + 46 * Decimal("3866.63")  # 182,214.98


def test_the_same_seed_gives_the_same_result_in_one_process_or_two() -> None:
    """Replications depend on the seed only, not on which process runs them."""
    model = model_of(MMC.replace("days = 120", "days = 10").replace("warmup_days = 2", ""))
    serial = run_replications(model, seed=3, replications=2, workers=1)
    again = run_replications(model, seed=3, replications=2, workers=1)
    parallel = run_replications(model, seed=3, replications=2, workers=2)
    other = run_replications(model, seed=4, replications=2, workers=1)
    counts = [[r.tally.counters for r in runs] for runs in (serial, again, parallel, other)]
    assert counts[0] == counts[1] == counts[2]
    assert counts[0] != counts[3]
    assert serial[0].tally.counters != serial[1].tally.counters  # each replication its own draws


def test_steppe_plan_on_the_shipped_erlang_c_example_agrees_month_by_month(tmp_path: Path) -> None:
    """The M/M/6 example through `steppe plan`: overall and every month within 0.02 of Erlang C."""
    example = Path(__file__).resolve().parents[2] / "examples" / "planning" / "erlang-c.toml"
    assert cli.main(["plan", str(example), "--out", str(tmp_path), "--quiet"]) == 0
    site = json.loads((tmp_path / "summary.json").read_text())["sites"]["S1"]
    expected = erlang_c(6, 5.0)
    overall = site["overall"]
    assert abs(overall["p_wait"] - expected) < 0.02
    assert abs(overall["p_wait"] - expected) <= overall["p_wait_ci95"]
    assert (
        abs(overall["mean_wait_minutes"] - mean_wait(6, 10, 0.5) * 60)
        <= overall["mean_wait_minutes_ci95"]
    )
    assert all(abs(month["p_wait"] - expected) < 0.02 for month in site["months"])
