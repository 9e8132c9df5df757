"""`make soak`: simulated stations doing full charge sessions against Steppe on SQLite for a
while, sampled every 10 s (server RSS, errors, p99 latency). Fails on any error, or when memory
grows between the first and the last third of the run by more than the threshold, or when a
completed session has no CDR shortly after the run (every station has a tariff).

    python -m bench.soak [--stations 200] [--minutes 5] [--max-growth-pct 10]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench import servers
from bench.fleet import Plan
from bench.loadgen import LoadGenerator, raise_open_file_limit
from bench.scenarios import running
from bench.tally import Tally

MB = 1024 * 1024
# Every session is billed, as on a real network: an energy price and a parking fee, KZT with VAT.
TARIFF = {
    "id": "soak-kzt",
    "currency": "KZT",
    "elements": [
        {"price_components": [{"type": "ENERGY", "price": "90", "step_size": 1}]},
        {"price_components": [{"type": "PARKING_TIME", "price": "600", "step_size": 60}]},
    ],
}
PRICING_WAIT_S = 30.0


def assign_tariff(server: servers.Server, station_ids: list[str]) -> None:
    headers = {"Authorization": f"Bearer {server.admin_token}"}
    with httpx.Client(base_url=server.http_url or "", headers=headers, timeout=60) as client:
        created = client.post("/api/v1/tariffs", json=TARIFF)
        if created.status_code != 201:
            raise RuntimeError(f"tariff: {created.status_code} {created.text}")
        for station_id in station_ids:
            put = client.put(
                f"/api/v1/stations/{station_id}/tariff", json={"tariff_id": "soak-kzt"}
            )
            if put.status_code != 200:
                raise RuntimeError(f"tariff of {station_id}: {put.status_code} {put.text}")


def billing(database_url: str) -> tuple[int, int, int]:
    """(completed transactions, CDRs, transactions still queued for pricing)."""
    conn = sqlite3.connect(database_url.split(":///", 1)[1])
    try:
        completed = conn.execute("SELECT count(*) FROM transactions WHERE status = 'completed'")
        cdrs = conn.execute("SELECT count(*) FROM cdrs")
        done = completed.fetchone()[0], cdrs.fetchone()[0]
        try:
            queued = conn.execute("SELECT count(*) FROM pricing_queue").fetchone()[0]
        except sqlite3.OperationalError:  # a revision from before the queue (--steppe-src)
            queued = 0
        return done[0], done[1], queued
    finally:
        conn.close()


def wait_for_billing(database_url: str) -> tuple[int, int, int]:
    """Billing runs after the stops are answered: give the last ones a moment."""
    deadline = time.monotonic() + PRICING_WAIT_S
    while True:
        completed, cdrs, queued = billing(database_url)
        if (cdrs >= completed and not queued) or time.monotonic() > deadline:
            return completed, cdrs, queued
        time.sleep(0.5)


@dataclass
class Sample:
    at_s: float
    rss_mb: float
    messages: int
    errors: int
    p99_ms: float


class Sampler:
    """Joins the workers' periodic tallies into one sample per period, with the server's RSS."""

    def __init__(self, server: servers.Server, workers: int, started: float) -> None:
        self.server = server
        self.workers = workers
        self.started = started
        self.samples: list[Sample] = []
        self.total = Tally()
        self._current = Tally()
        self._ticks = 0

    def __call__(self, tally: Tally) -> None:
        self._current.merge(tally)
        self._ticks += 1
        if self._ticks < self.workers:
            return
        t = self._current
        sample = Sample(
            at_s=round(time.monotonic() - self.started, 1),
            rss_mb=round(self.server.rss_bytes() / MB, 1),
            messages=t.answered,
            errors=t.errors,
            p99_ms=round(t.latency.percentile(99) * 1000, 1),
        )
        self.samples.append(sample)
        print(
            f"{sample.at_s:>7.0f} s  rss {sample.rss_mb:>7.1f} MB  messages {sample.messages:>6}"
            f"  errors {sample.errors:>3}  p99 {sample.p99_ms:>7.1f} ms",
            flush=True,
        )
        for text in t.error_samples:
            print(f"          error: {text}", flush=True)
        self.total.merge(t)
        self._current = Tally()
        self._ticks = 0


def growth_pct(samples: list[Sample]) -> float:
    """Mean RSS of the last third against the first third, in percent."""
    if len(samples) < 2:
        return 0.0
    third = max(1, len(samples) // 3)
    first = statistics.fmean(s.rss_mb for s in samples[:third])
    last = statistics.fmean(s.rss_mb for s in samples[-third:])
    return (last - first) / first * 100.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.soak", description=__doc__)
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--max-growth-pct", type=float, default=10.0)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--meter-interval", type=float, default=1.0, help="seconds")
    parser.add_argument("--heartbeat", type=float, default=30.0, help="seconds")
    parser.add_argument("--steppe-src", type=Path, help="run Steppe from this `src` directory")
    args = parser.parse_args(argv)
    raise_open_file_limit()
    duration = args.minutes * 60.0

    with (
        tempfile.TemporaryDirectory(prefix="steppe-soak-") as tmp,
        running("steppe-sqlite", Path(tmp), source=args.steppe_src) as server,
    ):
        ids = servers.station_ids("SOAK-", args.stations)
        servers.register(server, ids)
        assign_tariff(server, ids)
        plan = Plan(
            url=server.ocpp_url,
            password=servers.PASSWORD,
            id_tag=servers.ID_TAG,
            mode="cycle",
            heartbeat_s=args.heartbeat,
            tick_s=10.0,
            meter_interval_s=args.meter_interval,
            meters_per_session=30,
            reconnect_chance=0.1,
            call_timeout=30.0,
            open_timeout=30.0,
        )
        print(
            f"soak: {args.stations} stations for {args.minutes:g} min against Steppe on SQLite,"
            f" a sample every 10 s"
        )
        with LoadGenerator(plan, ids, args.processes) as gen:
            setup = gen.setup(timeout=120)
            sampler = Sampler(server, gen.processes, time.monotonic())
            done = gen.measure(0.0, duration, on_tick=sampler)
            closing = gen.close()
        alive = server.alive()
        assert server.database_url is not None
        completed, cdrs, queued = wait_for_billing(server.database_url)

    total = sampler.total
    total.merge(done.tally)
    errors = setup.tally.errors + total.errors + closing.errors
    growth = growth_pct(sampler.samples)
    print()
    print(f"stations booted: {setup.tally.booted} of {args.stations}")
    print(f"messages answered: {total.answered}  {dict(sorted(total.per_action.items()))}")
    print(f"latency over the run: p50 {total.latency.percentile(50) * 1000:.1f} ms,"
          f" p99 {total.latency.percentile(99) * 1000:.1f} ms")  # fmt: skip
    for action, histogram in sorted(total.action_latency.items()):
        print(
            f"  {action:<20} p50 {histogram.percentile(50) * 1000:>7.1f} ms"
            f"  p99 {histogram.percentile(99) * 1000:>7.1f} ms  max {histogram.max_s * 1000:.0f} ms"
        )
    print(f"errors: {errors}")
    for text in setup.tally.error_samples + total.error_samples + closing.error_samples:
        print(f"  {text}")
    print(f"memory growth, first third to last third: {growth:+.1f} % "
          f"(limit {args.max_growth_pct:g} %)")  # fmt: skip
    print(f"billing: {cdrs} CDRs for {completed} completed transactions, {queued} left queued")
    unbilled = cdrs < completed or queued > 0
    failed = errors > 0 or growth > args.max_growth_pct or not alive or unbilled
    if not alive:
        print("the server died during the run")
    if unbilled:
        print(f"transactions left without a CDR {PRICING_WAIT_S:g} s after the run")
    print("soak FAILED" if failed else "soak passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
