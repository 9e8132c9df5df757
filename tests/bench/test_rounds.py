"""The main measurement takes every server in turn, round after round, and a call left
unanswered fails after the plan's timeout instead of holding its charger."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.fleet import Plan
from bench.loadgen import LoadGenerator
from bench.run import targets
from bench.scenarios import Row, alternating, load
from bench.servers import Server
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from bench import servers


@pytest.fixture
def two_bare(tmp_path: Path) -> Iterator[list[Server]]:
    started = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        started.append(servers.start_peer("bare", tmp_path / name))
    yield started
    for server in started:
        server.stop()


def test_rounds_take_each_server_in_turn_and_merge_their_rounds(two_bare: list[Server]) -> None:
    """Two servers, three rounds: each row holds three rounds and their total."""
    loaded = {}
    try:
        for name, server in zip(("first", "second"), two_bare, strict=True):
            loaded[name] = load(server, 2, processes=1)
            assert loaded[name].setup.tally.errors == 0
        rows = alternating(loaded, rounds=3, warmup_s=0.1, duration_s=0.4)
    finally:
        for entry in loaded.values():
            entry.generator.terminate()
    assert [row.server for row in rows] == ["bare", "bare"]
    for row in rows:
        rounds = row.extra["round_msgs_per_s"]
        assert len(rounds) == 3 and all(rate > 0 for rate in rounds)
        assert row.extra["measure_s"] == pytest.approx(1.2)
        # The row's rate is the answers of all rounds over their total time: their mean here.
        assert row.msgs_per_s == pytest.approx(sum(rounds) / 3, rel=0.01)
        assert row.errors == 0 and row.answered > 0


def test_the_ratio_target_shows_each_rounds_ratio() -> None:
    """The throughput target is the ratio of the rates, with each round's ratio beside it."""
    baseline = Row("throughput", "baseline", 200, 2000.0)
    baseline.extra["round_msgs_per_s"] = [1000, 2000, 3000]
    steppe = Row("throughput", "steppe-sqlite", 200, 11000.0)
    steppe.extra["round_msgs_per_s"] = [6000, 11000, 16000]
    rows = [baseline, steppe]
    sqlite = next(t for t in targets(rows, 200, 15000) if t.name.endswith("sqlite"))
    assert sqlite.measured == "5.50x (rounds 6.00, 5.50, 5.33)"
    assert sqlite.met is True


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A WebSocket server that reads every message and answers none."""

    def ignore(ws: ServerConnection) -> None:
        try:
            for _ in ws:
                pass
        except ConnectionClosed:
            pass

    with serve(ignore, "127.0.0.1", 0, subprotocols=["ocpp1.6"]) as server:  # type: ignore[list-item]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        port = server.socket.getsockname()[1]
        yield f"ws://127.0.0.1:{port}/ocpp"
        server.shutdown()
        thread.join(5)


def test_an_unanswered_call_fails_after_the_call_timeout(silent_server: str) -> None:
    """A boot nobody answers is counted as a failure once the plan's call timeout passes."""
    plan = Plan(url=silent_server, password="x", id_tag="T", mode="idle", call_timeout=0.5)
    with LoadGenerator(plan, ["SILENT-1", "SILENT-2"], processes=1) as gen:
        setup = gen.setup(timeout=30)
        gen.close(timeout=30)
    assert setup.tally.booted == 0
    assert setup.tally.failures == 2
    assert all("TimeoutError" in sample for sample in setup.tally.error_samples)
