"""The bench's durability audit: a real Steppe answers a small closed loop, is killed with
SIGKILL, and every MeterValues it answered is counted back from its database."""

from __future__ import annotations

from pathlib import Path

from bench.durability import Ledger, compare, stored_samples
from bench.fleet import Plan
from bench.loadgen import LoadGenerator
from bench.run import targets
from bench.scenarios import audit

from bench import servers


def test_every_answered_meter_value_is_found_after_kill_9(
    database_url: str, tmp_path: Path
) -> None:
    db = "postgres" if database_url.startswith("postgresql") else "sqlite"
    server = servers.start_steppe(f"steppe-{db}", database_url, tmp_path)
    try:
        ids = servers.station_ids("AUDIT-", 4)
        servers.register(server, ids)
        plan = Plan(url=server.ocpp_url, password=servers.PASSWORD, id_tag=servers.ID_TAG)
        ledger = Ledger()
        with LoadGenerator(plan, ids, processes=1) as gen:
            assert gen.setup(timeout=60).tally.errors == 0
            run = gen.measure(0.2, 1.0)
            ledger.note(gen.close().chargers)
        assert run.tally.errors == 0
        assert set(ledger.acked) == set(ids) and all(n > 0 for n in ledger.acked.values())

        row = audit(server, ledger)  # kills the server first
        assert not server.alive()
    finally:
        server.stop()
    assert row.extra["acked"] == ledger.total > 0
    assert row.extra["missing"] == 0 and row.extra["unexpected"] == 0
    assert row.extra["stored"] >= ledger.total
    verdict = next(t for t in targets([row], 200, 15000) if t.name.endswith(f"kill -9, {db}"))
    assert verdict.met is True

    # The audit would see a loss: a ledger claiming two answers more than one station has.
    stored = stored_samples(database_url)
    claimed = Ledger(dict(ledger.acked))
    claimed.acked[ids[0]] = stored[ids[0]] + 2
    lost = compare(claimed, stored)
    assert lost.missing == 2 and lost.short_stations == [ids[0]] and not lost.ok
    # ...and samples nobody was answered for, beyond the one a station may have had in flight.
    claimed.acked[ids[0]] = stored[ids[0]] - 3
    assert compare(claimed, stored).unexpected == 2
