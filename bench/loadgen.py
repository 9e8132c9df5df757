"""Load generator: the simulator's 1.6 chargers (on its lean link) spread over worker processes
(spawned, one event loop each) so that the generator is never what limits a run.

The parent drives the workers over pipes in phases: `setup` (connect, boot and, for the load
modes, start a transaction), `run` (warm up, then measure for a fixed time), `close`. Each phase
answers with a `Tally` that the parent merges.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.connection
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Any

from bench.fleet import Fleet, Plan
from bench.tally import Tally

# A worker holds at most this many sockets; the limit on open files is 20,000 per process.
MAX_SOCKETS_PER_WORKER = 9000
START_DELAY_S = 0.5  # lets every worker see the start time before it arrives


@dataclass
class Result:
    """One measured phase, merged over every worker."""

    tally: Tally
    duration_s: float
    chargers: int

    @property
    def rate(self) -> float:
        return self.tally.measured / self.duration_s if self.duration_s else 0.0

    @property
    def p50_ms(self) -> float:
        return self.tally.latency.percentile(50) * 1000

    @property
    def p99_ms(self) -> float:
        return self.tally.latency.percentile(99) * 1000


def raise_open_file_limit() -> int:
    """Lift the soft limit on open files to the hard limit; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def _worker_main(
    plan: Plan, station_ids: list[str], total: int, conn: multiprocessing.connection.Connection
) -> None:
    raise_open_file_limit()
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency off Windows
        asyncio.run(_worker(plan, station_ids, total, conn))
    else:
        uvloop.run(_worker(plan, station_ids, total, conn))


async def _worker(
    plan: Plan, station_ids: list[str], total: int, conn: multiprocessing.connection.Connection
) -> None:
    fleet = Fleet(plan, station_ids, total)
    conn.send(("spawned", None))
    ticker: asyncio.Task[None] | None = None
    while True:
        kind, args = await asyncio.to_thread(conn.recv)
        if kind == "setup":
            await fleet.setup(*args)
            conn.send(("ready", fleet.take_tally()))
        elif kind == "run":
            if plan.tick_s > 0:
                ticker = asyncio.create_task(_tick(fleet, conn, plan.tick_s))
            await fleet.run(*args)
            if ticker is not None:
                ticker.cancel()
                await asyncio.gather(ticker, return_exceptions=True)
            conn.send(("done", fleet.take_tally(with_chargers=True)))
        elif kind == "close":
            await fleet.close()
            conn.send(("closed", fleet.take_tally(with_chargers=True)))
            return


async def _tick(fleet: Fleet, conn: multiprocessing.connection.Connection, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        conn.send(("tick", fleet.take_tally()))


class LoadGenerator:
    """A fleet of simulated chargers in `processes` worker processes."""

    def __init__(self, plan: Plan, station_ids: list[str], processes: int = 2) -> None:
        needed = -(-len(station_ids) // MAX_SOCKETS_PER_WORKER)
        self.processes = max(1, min(len(station_ids), max(processes, needed)))
        self.plan = plan
        self.station_ids = station_ids
        self._workers: list[tuple[BaseProcess, multiprocessing.connection.Connection]] = []

    def __enter__(self) -> LoadGenerator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.terminate()

    def _spawn(self, timeout: float) -> None:
        ctx = multiprocessing.get_context("spawn")
        for index in range(self.processes):
            ids = self.station_ids[index :: self.processes]
            parent, child = ctx.Pipe()
            proc = ctx.Process(
                target=_worker_main,
                args=(self.plan, ids, len(self.station_ids), child),
                name=f"loadgen-{index}",
                daemon=True,
            )
            proc.start()
            child.close()
            self._workers.append((proc, parent))
        self._gather("spawned", timeout)

    def _send(self, kind: str, args: tuple[Any, ...]) -> None:
        for _, conn in self._workers:
            conn.send((kind, args))

    def _gather(
        self, expect: str, timeout: float, on_tick: Callable[[Tally], None] | None = None
    ) -> Tally:
        """Wait for `expect` from every worker, merging their tallies (ticks go to on_tick)."""
        merged = Tally()
        waiting = {conn: proc for proc, conn in self._workers}
        deadline = time.monotonic() + timeout
        while waiting:
            left = deadline - time.monotonic()
            ready = multiprocessing.connection.wait(list(waiting), timeout=max(0.0, left))
            if not ready:
                if left <= 0:
                    raise TimeoutError(f"load generator: no {expect!r} within {timeout:.0f} s")
                continue
            for conn in ready:
                assert isinstance(conn, multiprocessing.connection.Connection)
                try:
                    kind, tally = conn.recv()
                except EOFError as exc:
                    raise RuntimeError(f"load generator worker died while {expect}") from exc
                if kind == "tick":
                    if on_tick is not None:
                        on_tick(tally)
                    continue
                if kind != expect:  # pragma: no cover - protocol slip
                    raise RuntimeError(f"load generator: got {kind!r}, expected {expect!r}")
                if tally is not None:
                    merged.merge(tally)
                del waiting[conn]
        return merged

    def setup(self, timeout: float = 180.0) -> Result:
        """Start the workers, then every charger connects and boots at the same moment."""
        self._spawn(timeout=60.0)
        at = time.time() + START_DELAY_S
        self._send("setup", (at,))
        tally = self._gather("ready", timeout)
        span = tally.last_boot_at - at if tally.booted else 0.0
        return Result(tally, span, len(self.station_ids))

    def measure(
        self,
        warmup_s: float,
        duration_s: float,
        on_tick: Callable[[Tally], None] | None = None,
    ) -> Result:
        """Run the plan's mode; answers in the `duration_s` after `warmup_s` are measured."""
        start = time.time() + START_DELAY_S + warmup_s
        end = start + duration_s
        self._send("run", (start, end))
        tally = self._gather("done", warmup_s + duration_s + self.plan.call_timeout + 30, on_tick)
        return Result(tally, duration_s, len(self.station_ids))

    def close(self, timeout: float = 60.0) -> Tally:
        """Close every connection and let the workers exit."""
        self._send("close", ())
        tally = self._gather("closed", timeout)
        for proc, conn in self._workers:
            proc.join(10)
            conn.close()
        self._workers.clear()
        return tally

    def terminate(self) -> None:
        """Stop whatever workers are left (after an error)."""
        for proc, conn in self._workers:
            if proc.is_alive():
                proc.terminate()
            proc.join(5)
            conn.close()
        self._workers.clear()
