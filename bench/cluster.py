"""MeterValues throughput of `steppe serve --workers N` for N = 1, 2, 4, as ratios in one run.

Each configuration is a fresh `steppe serve --workers N` (cluster mode: a NATS server of the run's
own, one fresh PostgreSQL database) at fixed ports shared by its workers with SO_REUSEPORT. The
same fleet of simulated 1.6 chargers (the load generator of `make bench`, in 2 processes)
connects, boots, starts a transaction and sends MeterValues in a closed loop (the next one as
soon as the last is answered); the answers in the measured window are counted. Every answer is
durable (committed before the CALLRESULT).

    python -m bench.cluster                      # 200 chargers, 5 s measured per configuration
    python -m bench.cluster --chargers 2000 --workers 1 2 4 --seconds 8
    python -m bench.cluster --workers 0 1          # what cluster mode costs one process
    python -m bench.cluster --idle 3000            # first a boot storm of 3,000 idle stations

The ratios, not the absolute numbers, are what the run is for: on a machine whose cores are also
running the load generator, the nats-server and PostgreSQL, N workers can only show what the
cores left over allow (docs/scaling.md reports a run and how to read it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench import scenarios, servers
from bench.fleet import Plan
from bench.loadgen import LoadGenerator
from bench.servers import Server, Unavailable

RESULTS = Path(__file__).resolve().parent / "results" / "cluster.json"
NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


@contextmanager
def nats_server(workdir: Path) -> Iterator[str]:
    """A nats-server with JetStream of the run's own, on a free port."""
    if not Path(NATS_SERVER).exists():
        raise Unavailable("nats-server is not installed (apt-get install nats-server)")
    port = servers.free_port()
    store = workdir / "nats"
    store.mkdir()
    log = (workdir / "nats.log").open("wb")
    proc = subprocess.Popen(
        [NATS_SERVER, "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", str(store)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    try:
        time.sleep(0.5)
        yield f"nats://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def start_workers(workers: int, database_url: str, nats_url: str, workdir: Path) -> Server:
    """`steppe serve --workers N` at fixed ports; waits until every worker answers /health."""
    http_port, ocpp_port = servers.free_port(), servers.free_port()
    token = secrets.token_urlsafe(24)
    log_path = workdir / f"workers-{workers}.log"
    env = {**os.environ, **servers.UNLIMITED, "STEPPE_ADMIN_TOKEN": token}
    spread: list[str] = []
    if workers > 0:  # 0: one process alone, no cluster (what cluster mode itself costs)
        env |= {"STEPPE_CLUSTER_URL": nats_url, "STEPPE_NODE_ID": f"bench{workers}"}
        spread = ["--workers", str(workers)]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "steppe",
                "serve",
                *spread,
                "--host",
                "127.0.0.1",
                "--http-port",
                str(http_port),
                "--ocpp-port",
                str(ocpp_port),
                "--database-url",
                database_url,
                "--log-level",
                "WARNING",
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(
        f"workers-{workers}",
        proc,
        f"ws://127.0.0.1:{ocpp_port}/ocpp",
        log_path,
        http_url=f"http://127.0.0.1:{http_port}",
        admin_token=token,
        database_url=database_url,
    )
    deadline = time.monotonic() + 60
    healthy = 0
    with httpx.Client(timeout=2) as client:
        # the kernel picks a worker per connection: several answers in a row mean most are up
        while time.monotonic() < deadline and healthy < 4 * max(workers, 1):
            if not server.alive():
                raise RuntimeError(f"{server.name} exited at start:\n{server.log_tail()}")
            try:
                ok = client.get(f"{server.http_url}/health").status_code == 200
            except httpx.HTTPError:
                ok = False
            healthy = healthy + 1 if ok else 0
            time.sleep(0.05 if ok else 0.2)
    if healthy < 4 * max(workers, 1):
        stop(server)
        raise TimeoutError(f"{server.name} did not become healthy:\n{server.log_tail()}")
    time.sleep(1.0)  # the workers' leases and presence watches settle
    return server


def stop(server: Server) -> None:
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(40)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(10)


async def _database_counts(database_url: str) -> tuple[int, int]:
    """(transactions committed, rows inserted) of the database so far, from pg_stat_database."""
    import asyncpg

    name = database_url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(servers.POSTGRES_ADMIN_URL, timeout=5)
    try:
        row = await conn.fetchrow(
            "SELECT xact_commit, tup_inserted FROM pg_stat_database WHERE datname = $1", name
        )
    finally:
        await conn.close()
    return (int(row["xact_commit"]), int(row["tup_inserted"])) if row else (0, 0)


def database_counts(database_url: str) -> tuple[int, int]:
    return asyncio.run(_database_counts(database_url))


def measure(
    workers: int, chargers: int, seconds: float, idle: int, nats_url: str, workdir: Path
) -> dict[str, Any]:
    with servers.postgres_database() as database_url:
        server = start_workers(workers, database_url, nats_url, workdir)
        storm: dict[str, Any] = {}
        try:
            if idle:
                row = scenarios.idle(server, idle, hold_s=2.0, heartbeat_s=30.0, processes=2)
                storm = {
                    "idle": idle,
                    "idle_booted": row.extra["booted"],
                    "idle_boot_s": row.extra["boot_s"],
                    "idle_boot_p99_ms": row.p99_ms,
                    "kb_per_connection": row.extra["kb_per_connection"],
                    "idle_errors": row.errors,
                }
            ids = servers.station_ids(f"CL{workers}-", chargers)
            servers.register(server, ids)
            plan = Plan(url=server.ocpp_url, password=servers.PASSWORD, id_tag=servers.ID_TAG)
            with LoadGenerator(plan, ids) as load:
                setup = load.setup()
                before = database_counts(database_url)
                result = load.measure(warmup_s=1.5, duration_s=seconds)
                after = database_counts(database_url)
                rss = server.rss_bytes()
                load.close()
            # the statistics count the warm-up too (and reach the view within half a second)
            window = seconds + 1.5
            return {
                "workers": workers,
                "chargers": chargers,
                "msgs_per_s": round(result.rate, 1),
                "p50_ms": round(result.p50_ms, 2),
                "p99_ms": round(result.p99_ms, 2),
                "errors": result.tally.errors + setup.tally.errors,
                "boot_s": round(setup.duration_s, 2),
                "rss_mb": round(rss / 2**20, 1),
                "db_commits_per_s": round((after[0] - before[0]) / window),
                "db_rows_per_s": round((after[1] - before[1]) / window),
                **storm,
            }
        finally:
            stop(server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chargers", type=int, default=200)
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1, 2, 4],
        help="configurations to measure; 0 is one process alone, without cluster mode",
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="measured per configuration")
    parser.add_argument(
        "--idle", type=int, default=0, help="also boot this many idle stations at once first"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="steppe-cluster-bench-") as tmp:
        workdir = Path(tmp)
        try:
            with nats_server(workdir) as nats_url:
                for workers in args.workers:
                    rows.append(
                        measure(workers, args.chargers, args.seconds, args.idle, nats_url, workdir)
                    )
                    print(json.dumps(rows[-1]), flush=True)
        except Unavailable as exc:
            print(f"skipped: {exc}")
            return 0
    base = rows[0]["msgs_per_s"] or 1.0
    print(
        f"\n{'workers':>7} {'msgs/s':>9} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
        f"{'commits/s':>9} {'rows/s':>7}"
    )
    for row in rows:
        row["ratio"] = round(row["msgs_per_s"] / base, 2)
        print(
            f"{row['workers']:>7} {row['msgs_per_s']:>9.1f} {row['ratio']:>6.2f} "
            f"{row['p50_ms']:>7.2f} {row['p99_ms']:>7.2f} {row['errors']:>6} "
            f"{row['db_commits_per_s']:>9} {row['db_rows_per_s']:>7}"
        )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "started_at": datetime.now(UTC).isoformat(),
                "elapsed_s": round(time.monotonic() - started, 1),
                "cores": os.cpu_count(),
                "load_average": os.getloadavg(),
                "rows": rows,
            },
            indent=2,
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
