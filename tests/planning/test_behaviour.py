"""Driver and site rules beyond plain queueing: slow chargers passed over, grid connections."""

from __future__ import annotations

from steppe.planning.runner import run_replications
from tests.planning.conftest import model_of

TWO_SPEEDS = """
days = 1
[[sites]]
id = "S"
lat = 43.24
lon = 76.89
[[sites.chargers]]
power_kw = 50
connectors = ["CCS2"]
[[sites.chargers]]
power_kw = 7.4
connectors = ["Type 2"]
[theory]
arrivals_per_hour = 2
arrivals = "regular"
duration = "fixed"
duration_minutes = 50
[behaviour]
wait_minutes = inf
min_power_share = {share}
"""


def test_a_car_waits_for_the_fast_charger_rather_than_take_a_much_slower_one() -> None:
    """A car every 30 min for 50 min: with 7.4 kW passed over, every other car waits 20 min."""
    (waits,) = run_replications(model_of(TWO_SPEEDS.replace("{share}", "0.3")), 1, 1)
    (takes,) = run_replications(model_of(TWO_SPEEDS.replace("{share}", "0.0")), 1, 1)
    # Passing the 7.4 kW charger over (7.4 / 50 < 0.3), the cars queue for the 50 kW one: car k
    # plugs in at 50k minutes, so it waits 50k - 30k = 20k minutes; everybody after car 0 waits.
    assert waits.tally.counters["waited"][0] == 47
    assert waits.tally.counters["busy_s"][0] == 24 * 3600  # the fast charger, all day long
    # Taking whatever is free, the cars alternate between the two chargers and nobody waits.
    assert takes.tally.counters["waited"][0] == 0
    assert takes.tally.counters["busy_s"][0] == (47 * 50 + 30) * 60


GRID = """
days = 2
[[sites]]
id = "S"
lat = 43.24
lon = 76.89
grid_limit_kw = 0
[[sites.chargers]]
power_kw = 50
connectors = ["CCS2"]
grid_kw = 20
[[sites.chargers]]
power_kw = 50
connectors = ["CCS2"]
from = 2026-01-02
grid_kw = 30
[theory]
arrivals_per_hour = 1
arrivals = "regular"
duration = "fixed"
duration_minutes = 60
"""


def test_a_charger_brings_its_grid_connection_when_it_goes_into_service() -> None:
    """Behind a zero limit, the first charger's 20 kW connection feeds day 1, 50 kW day 2."""
    (run,) = run_replications(model_of(GRID), 1, 1)
    # One car an hour for an hour, always on the first charger (it comes first when both are
    # free): 24 sessions on day 1 drawing the 20 kW there is, then 24 on day 2 drawing their
    # charger's 50 kW once the second connection (30 kW) is in; the last ends with the run.
    assert abs(run.tally.counters["energy_kwh"][0] - (24 * 20 + 24 * 50)) < 1e-6
    assert run.tally.counters["limited"][0] == 24  # the day-1 sessions were held to 20 kW
    assert run.tally.counters["peak_kw"][0] == 50  # on day 2
