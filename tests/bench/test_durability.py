"""The bench's durability audit: a real Steppe answers a small closed loop, is killed with
SIGKILL in the middle of it, and every MeterValues it answered is counted back from its
database."""

from __future__ import annotations

from pathlib import Path

from bench.durability import Ledger, compare, stored_samples
from bench.run import targets
from bench.scenarios import audit, load

from bench import servers


def test_every_answered_meter_value_is_found_after_kill_9_under_load(
    database_url: str, tmp_path: Path
) -> None:
    db = "postgres" if database_url.startswith("postgresql") else "sqlite"
    server = servers.start_steppe(f"steppe-{db}", database_url, tmp_path)
    try:
        loaded = load(server, 4, processes=1, prefix="AUDIT-")
        try:
            assert loaded.setup.tally.errors == 0
            warm = loaded.generator.measure(0.1, 0.5)  # answered before the audit's own loop
            assert warm.tally.errors == 0 and warm.tally.answered > 0
            row = audit(loaded, Ledger(), kill_after_s=0.5)  # kills the server mid-loop
        finally:
            loaded.generator.terminate()
        assert not server.alive()
    finally:
        server.stop()
    ids = servers.station_ids("AUDIT-", 4)
    e = row.extra
    assert e["acked"] > warm.tally.answered  # the loop ran on until the kill
    assert e["cut_off"] > 0  # calls were in flight when the server died
    assert e["under_load"] is True and e["answered_in_loop"] > 0
    assert e["missing"] == 0 and e["unexpected"] == 0 and row.errors == 0
    assert e["stored"] >= e["acked"]
    verdict = next(t for t in targets([row], 200, 15000) if t.name.endswith(f"kill -9, {db}"))
    assert verdict.met is True

    # The audit would see a loss: a ledger claiming two answers more than one station has.
    stored = stored_samples(database_url)
    claimed = Ledger({station: stored[station] for station in ids})
    claimed.acked[ids[0]] = stored[ids[0]] + 2
    lost = compare(claimed, stored)
    assert lost.missing == 2 and lost.short_stations == [ids[0]] and not lost.ok
    # ...and samples nobody was answered for, beyond the one a station may have had in flight.
    claimed.acked[ids[0]] = stored[ids[0]] - 3
    assert compare(claimed, stored).unexpected == 2


def test_a_kill_that_finds_no_traffic_does_not_pass(sqlite_url: str, tmp_path: Path) -> None:
    """A server already dead when the audit's loop starts answers nothing: nothing is missing,
    but nothing was tested either, and the target says so."""
    server = servers.start_steppe("steppe-sqlite", sqlite_url, tmp_path)
    try:
        loaded = load(server, 2, processes=1, prefix="DEAD-")
        try:
            server.kill()
            row = audit(loaded, Ledger(), kill_after_s=0.3)
        finally:
            loaded.generator.terminate()
    finally:
        server.stop()
    assert row.extra["missing"] == 0 and row.extra["under_load"] is False
    verdict = next(t for t in targets([row], 200, 15000) if t.name.endswith("kill -9, sqlite"))
    assert verdict.met is False and "not killed under load" in verdict.measured
