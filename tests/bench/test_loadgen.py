"""The load generator drives real servers for about a second and counts what was answered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bench.fleet import ENERGY_STEP_WH, Plan
from bench.loadgen import LoadGenerator
from bench.servers import Server
from bench.tally import Tally

from bench import servers

CHARGERS = 4


@pytest.fixture
def bare(tmp_path: Path) -> Iterator[Server]:
    server = servers.start_peer("bare", tmp_path)
    yield server
    server.stop()


@pytest.fixture
def steppe_process(tmp_path: Path) -> Iterator[Server]:
    server = servers.start_steppe("steppe", servers.sqlite_url(tmp_path, "bench.db"), tmp_path)
    yield server
    server.stop()


def drive(server: Server, ids: list[str]) -> tuple[Tally, Tally]:
    """Set up the fleet, then a closed loop of MeterValues for about a second."""
    plan = Plan(url=server.ocpp_url, password=servers.PASSWORD, id_tag=servers.ID_TAG)
    with LoadGenerator(plan, ids, processes=1) as gen:
        setup = gen.setup(timeout=60)
        run = gen.measure(warmup_s=0.2, duration_s=1.0)
        closing = gen.close()
    assert closing.errors == 0
    return setup.tally, run.tally


def check_counts(setup: Tally, run: Tally) -> None:
    assert setup.errors == 0, setup.error_samples
    assert setup.booted == CHARGERS
    assert setup.per_action == {
        "BootNotification": CHARGERS,
        "StatusNotification": 2 * CHARGERS,
        "StartTransaction": CHARGERS,
    }
    assert run.errors == 0, run.error_samples
    # A closed loop leaves nothing in flight: every call sent got its answer, and all were
    # MeterValues; the measured ones are a part of them, each with a latency.
    assert run.sent == run.answered == run.per_action["MeterValues"] > 0
    assert 0 < run.measured <= run.answered
    assert run.latency.count == run.measured
    assert len(run.chargers) == CHARGERS
    assert sum(acked for *_, acked in run.chargers) == run.answered
    for _station, transaction_id, energy_wh, acked in run.chargers:
        assert transaction_id is not None
        assert energy_wh == acked * ENERGY_STEP_WH


def test_generator_counts_every_answer_of_the_bare_peer(bare: Server) -> None:
    """Against the bare answer loop, each MeterValues sent is answered and counted once."""
    setup, run = drive(bare, servers.station_ids("BARE-", CHARGERS))
    check_counts(setup, run)


def test_generator_against_steppe_matches_what_steppe_stored(steppe_process: Server) -> None:
    """Against Steppe, the last acknowledged reading of each charger is the one it stored."""
    ids = servers.station_ids("SMOKE-", CHARGERS)
    servers.register(steppe_process, ids)
    setup, run = drive(steppe_process, ids)
    check_counts(setup, run)

    headers = {"Authorization": f"Bearer {steppe_process.admin_token}"}
    with httpx.Client(base_url=str(steppe_process.http_url), headers=headers) as client:
        for station_id, transaction_id, energy_wh, acked in run.chargers:
            reply = client.get(
                f"/api/v1/transactions/{transaction_id}", params={"station_id": station_id}
            )
            assert reply.status_code == 200, reply.text
            samples = [
                s
                for s in reply.json()["meter_values"]
                if s["measurand"] == "Energy.Active.Import.Register"
            ]
            assert len(samples) == acked
            assert max(int(s["value"]) for s in samples) == energy_wh
