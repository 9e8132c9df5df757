"""The measured scenarios: throughput sweep, latency at a paced rate, and the idle boot storm."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import durability, servers
from bench.durability import Ledger
from bench.fleet import Plan
from bench.loadgen import START_DELAY_S, LoadGenerator, Result
from bench.servers import Server
from bench.tally import Tally

KB = 1024


@dataclass
class Row:
    """One line of the results table."""

    scenario: str
    server: str
    chargers: int
    msgs_per_s: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int = 0
    answered: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@contextmanager
def running(
    kind: str, workdir: Path, *, profile_to: Path | None = None, source: Path | None = None
) -> Iterator[Server]:
    """One server under test: steppe-sqlite, steppe-postgres, baseline or bare."""
    if kind == "steppe-postgres":
        with servers.postgres_database() as url:
            server = servers.start_steppe(kind, url, workdir, profile_to=profile_to, source=source)
            try:
                yield server
            finally:
                server.stop()
        return
    if kind == "steppe-sqlite":
        url = servers.sqlite_url(workdir, f"{kind}-{time.monotonic_ns()}.db")
        server = servers.start_steppe(kind, url, workdir, profile_to=profile_to, source=source)
    else:
        server = servers.start_peer(kind, workdir)
    try:
        yield server
    finally:
        server.stop()


def _plan(server: Server, **kw: Any) -> Plan:
    return Plan(url=server.ocpp_url, password=servers.PASSWORD, id_tag=servers.ID_TAG, **kw)


def _row(scenario: str, server: Server, result: Result, setup: Result) -> Row:
    t = result.tally
    errors = t.errors + setup.tally.errors
    row = Row(
        scenario,
        server.name,
        result.chargers,
        msgs_per_s=round(result.rate, 1),
        p50_ms=round(result.p50_ms, 2),
        p99_ms=round(result.p99_ms, 2),
        errors=errors,
        answered=t.measured,
    )
    if errors:
        row.extra["error_samples"] = setup.tally.error_samples + t.error_samples
    return row


def throughput(
    server: Server,
    counts: list[int],
    *,
    duration_s: float,
    sweep_duration_s: float,
    warmup_s: float,
    processes: int,
    prefix: str = "TPUT-",
    ledger: Ledger | None = None,
) -> list[Row]:
    """MeterValues in a closed loop (send, await the answer, repeat), one fleet size at a time.

    The largest fleet is measured for `duration_s`, the others for `sweep_duration_s`. Each
    fleet uses its own stations, so every charger starts a fresh transaction."""
    rows: list[Row] = []
    first = 1
    for count in counts:
        ids = servers.station_ids(prefix, count, first)
        first += count
        servers.register(server, ids)
        measure_s = duration_s if count == max(counts) else sweep_duration_s
        with LoadGenerator(_plan(server, mode="closed"), ids, processes) as gen:
            setup = gen.setup()
            cpu_before = server.cpu_seconds()
            result = gen.measure(warmup_s, measure_s)
            cpu = server.cpu_seconds() - cpu_before
            closing = gen.close()
        if ledger is not None:
            ledger.note(closing.chargers)
        row = _row("throughput", server, result, setup)
        # Server CPU (all its threads) per answered message, warm-up included on both sides.
        row.extra["server_cpu_us_per_msg"] = round(cpu / max(1, result.tally.answered) * 1e6, 1)
        row.extra["measure_s"] = measure_s
        rows.append(row)
        print(f"  {server.name:<16} {count:>5} chargers: {row.msgs_per_s:>9.0f} msgs/s", flush=True)
    return rows


@dataclass
class Loaded:
    """A server with its main fleet connected, booted and in transactions, ready to measure."""

    server: Server
    generator: LoadGenerator
    setup: Result


def load(server: Server, chargers: int, *, processes: int, prefix: str = "MAIN-") -> Loaded:
    """Connect `chargers` stations to `server` and start their transactions; the caller closes
    the generator (`Loaded.generator.close()`, or `terminate()` after a failure)."""
    ids = servers.station_ids(prefix, chargers)
    servers.register(server, ids)
    generator = LoadGenerator(_plan(server, mode="closed"), ids, processes)
    try:
        setup = generator.setup()
    except BaseException:
        generator.terminate()
        raise
    return Loaded(server, generator, setup)


def alternating(
    loaded: dict[str, Loaded], *, rounds: int, warmup_s: float, duration_s: float
) -> list[Row]:
    """The closed MeterValues loop on every server in turn, round after round, the order
    rotated each round: a drift in the machine's speed during the run then falls on every
    server alike instead of on whichever was measured at that moment. Each server's row holds
    all its rounds (rate over their total measured time) and each round's rate."""
    names = list(loaded)
    results: dict[str, list[Result]] = {name: [] for name in names}
    cpu = dict.fromkeys(names, 0.0)
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            entry = loaded[name]
            before = entry.server.cpu_seconds()
            result = entry.generator.measure(warmup_s, duration_s)
            cpu[name] += entry.server.cpu_seconds() - before
            results[name].append(result)
            print(
                f"  {name:<16} {result.chargers:>5} chargers, round {index + 1}: "
                f"{result.rate:>9.0f} msgs/s",
                flush=True,
            )
    rows: list[Row] = []
    for name in names:
        tally = Tally()
        for result in results[name]:
            tally.merge(result.tally)
        measured = sum(r.duration_s for r in results[name])
        merged = Result(tally, measured, loaded[name].setup.chargers)
        row = _row("throughput", loaded[name].server, merged, loaded[name].setup)
        # Server CPU (all its processes) per answered message, warm-ups included.
        row.extra["server_cpu_us_per_msg"] = round(cpu[name] / max(1, tally.answered) * 1e6, 1)
        row.extra["measure_s"] = measured
        row.extra["round_msgs_per_s"] = [round(r.rate, 1) for r in results[name]]
        rows.append(row)
    return rows


def audit(loaded: Loaded, ledger: Ledger, *, kill_after_s: float = 1.0) -> Row:
    """Kill the server with SIGKILL in the middle of its fleet's closed loop, then count, in its
    database, every MeterValues it had answered (`ledger` holds the earlier fleets' counts)."""
    server = loaded.server
    assert server.database_url is not None
    alive_at_kill: list[bool] = []

    def kill() -> None:
        alive_at_kill.append(server.alive())
        server.kill()

    killer = threading.Timer(START_DELAY_S + kill_after_s, kill)
    killer.start()
    try:
        result = loaded.generator.measure(0.0, kill_after_s + 2.0)
    finally:
        killer.cancel()
        killer.join()
        server.kill()
    ledger.note(result.tally.chargers)
    found = durability.compare(ledger, durability.stored_samples(server.database_url))
    try:
        loaded.generator.close()
    except (RuntimeError, TimeoutError, OSError):  # the count is taken; the workers are stopped
        loaded.generator.terminate()
    # Only a kill that met a running server in the middle of answered traffic is a test.
    under_load = bool(alive_at_kill and alive_at_kill[0]) and result.tally.answered > 0
    row = Row(
        "durability",
        server.name,
        len(ledger.acked),
        errors=found.missing + found.unexpected + (0 if under_load else 1),
        answered=found.acked,
        extra={
            **found.as_extra(),
            "cut_off": result.tally.failures,
            "answered_in_loop": result.tally.answered,
            "under_load": under_load,
        },
    )
    print(
        f"  {server.name:<16} killed under load: {found.acked} MeterValues answered, "
        f"{found.stored} stored, {found.missing} missing ({result.tally.failures} calls cut off)",
        flush=True,
    )
    return row


def latency(
    server: Server,
    rate: float,
    chargers: int,
    *,
    duration_s: float,
    warmup_s: float,
    processes: int,
    ledger: Ledger | None = None,
) -> Row:
    """MeterValues sent at a fixed pace (open loop); latency from each planned send time."""
    ids = servers.station_ids("LAT-", chargers)
    servers.register(server, ids)
    with LoadGenerator(_plan(server, mode="paced", rate=rate), ids, processes) as gen:
        setup = gen.setup()
        result = gen.measure(warmup_s, duration_s)
        closing = gen.close()
    if ledger is not None:
        ledger.note(closing.chargers)
    row = _row("latency", server, result, setup)
    row.extra["offered_msgs_per_s"] = round(rate, 1)
    print(
        f"  {server.name:<16} at {rate:.0f} msgs/s: p50 {row.p50_ms} ms, p99 {row.p99_ms} ms",
        flush=True,
    )
    return row


def idle(
    server: Server,
    connections: int,
    *,
    hold_s: float,
    heartbeat_s: float,
    processes: int,
) -> Row:
    """Every station connects and boots at once; then heartbeats only. Memory per connection is
    the server's RSS growth divided by the number of connections."""
    ids = servers.station_ids("IDLE-", connections)
    servers.register(server, ids)
    gc.collect()
    time.sleep(1.0)
    rss_before = server.rss_bytes()
    # A station not booted within the target's 60 s has missed it: waiting longer only costs time.
    plan = _plan(server, mode="idle", heartbeat_s=heartbeat_s, open_timeout=60, call_timeout=60)
    with LoadGenerator(plan, ids, processes) as gen:
        setup = gen.setup(timeout=300)
        boot_s = setup.duration_s
        print(
            f"  {server.name:<16} {setup.tally.booted} of {connections} booted in {boot_s:.1f} s,"
            f" errors {setup.tally.errors}",
            flush=True,
        )
        time.sleep(hold_s)
        rss_after = server.rss_bytes()
        try:
            closing = gen.close(timeout=120)
        except (TimeoutError, RuntimeError) as exc:  # measured already; the workers are stopped
            print(f"  {server.name:<16} closing the fleet failed: {exc}", flush=True)
            closing = Tally()
    errors = setup.tally.errors + closing.errors
    # Per connection actually held: the same as dividing by `connections` when all came in.
    per_connection = (rss_after - rss_before) / max(1, setup.tally.booted) / KB
    row = Row(
        "idle",
        server.name,
        connections,
        p50_ms=round(setup.tally.latency.percentile(50) * 1000, 2),
        p99_ms=round(setup.tally.latency.percentile(99) * 1000, 2),
        errors=errors,
        answered=setup.tally.answered + closing.answered,
        extra={
            "booted": setup.tally.booted,
            "boot_s": round(boot_s, 2),
            "heartbeats": closing.per_action.get("Heartbeat", 0),
            "rss_before_mb": round(rss_before / KB / KB, 1),
            "rss_after_mb": round(rss_after / KB / KB, 1),
            "kb_per_connection": round(per_connection, 1),
        },
    )
    if errors:
        row.extra["error_samples"] = setup.tally.error_samples + closing.error_samples
    print(f"  {server.name:<16} {per_connection:.1f} KB per idle connection", flush=True)
    return row
