"""The site load allocator on a site of 1,000 EVSEs: time per allocation, against a naive baseline.

python -m bench.allocator [--sites 5] [--rounds 60] [--changes 10] [--seed 1]

The site: grid connection -> 10 feeders -> 10 distribution boards each -> 10 EVSEs each, sized so
that limits bind at every level (8,000 A at the grid for 10 x 1,000 A feeders, 125 A boards for
10 EVSEs of up to 32 A). The mix: mostly 22 kW three-phase EVSEs, some 11 kW, some single-phase
7.4 kW on all three grid phases, rotations RST/STR/TRS and a few unknown; three sessions in four,
with three-phase BEVs, single-phase plug-in hybrids and cars whose phases are not measured yet, a
fleet at priority 1, full cars, cars drawing less than offered; a few EVSEs offline or refusing
profiles.

Each round is one `allocate` on the site as it stands, with the previous round's result passed
back, 30 s later, as Steppe would run it. Between rounds a few cars leave and others arrive
(`--changes`); rebuilding the site for that is timed on its own line. The baseline, timed in the
same rounds, is the naive equal share that ignores the tree: the grid's limit divided by the
number of sessions, capped at each EVSE's maximum. It is not safe (it overloads boards) and is
there to give the allocator's cost a scale that moves with the machine: the ratio is the figure
to compare between runs. The target is an allocation under 20 ms; nothing here is asserted, it
is reported.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import TypeVar

from steppe.domain.smart_charging.allocation import Allocation
from steppe.domain.smart_charging.allocator import allocate
from steppe.domain.smart_charging.models import (
    Circuit,
    Evse,
    EvseId,
    PhaseRotation,
    Session,
    Site,
    Strategy,
)

T = TypeVar("T")
TARGET_MS = 20.0
START = datetime(2025, 6, 2, 18, 0, tzinfo=UTC)
THREE = (PhaseRotation.RST, PhaseRotation.STR, PhaseRotation.TRS)
ONE = (PhaseRotation.L1, PhaseRotation.L2, PhaseRotation.L3)


def build_site(seed: int, *, feeders: int = 10, boards: int = 10, per_board: int = 10) -> Site:
    """A site of `feeders * boards * per_board` EVSEs in a three-level tree, a realistic mix."""
    rng = random.Random(seed)
    feeder_circuits = []
    n = 0
    for f in range(feeders):
        board_circuits = []
        for b in range(boards):
            evses = []
            for _ in range(per_board):
                evses.append(_evse(rng, n))
                n += 1
            board_circuits.append(
                Circuit(f"board-{f}-{b}", Decimal(125), margin_a=Decimal(2), evses=tuple(evses))
            )
        feeder_circuits.append(
            Circuit(f"feeder-{f}", Decimal(1000), children=tuple(board_circuits))
        )
    grid = Circuit("grid", Decimal(8000), margin_a=Decimal(50), children=tuple(feeder_circuits))
    return Site(f"bench-{seed}", grid)


def _evse(rng: random.Random, n: int) -> Evse:
    kind = rng.random()
    if kind < 0.7:
        hardware, phases = Decimal(32), 3
    elif kind < 0.9:
        hardware, phases = Decimal(16), 3
    else:
        hardware, phases = Decimal(32), 1
    if phases == 3:
        rotation = PhaseRotation.UNKNOWN if rng.random() < 0.05 else THREE[n % 3]
    else:
        rotation = ONE[n % 3]
    state = rng.random()
    return Evse(
        EvseId(f"ALA-{n // 2:04d}", n % 2 + 1),
        hardware,
        phases,
        rotation,
        online=state >= 0.02,
        accepts_profiles=not 0.02 <= state < 0.03,
        session=_session(rng, n) if rng.random() < 0.75 else None,
    )


def _session(rng: random.Random, n: int) -> Session:
    car = rng.random()
    started = START - timedelta(minutes=rng.randrange(1, 240))
    car_phases: int | None
    if car < 0.6:
        car_phases, car_max = 3, Decimal(rng.choice((16, 32)))
    elif car < 0.85:
        car_phases, car_max = 1, Decimal(rng.choice((16, 32)))
    else:
        car_phases, car_max = None, Decimal(32)
    full = rng.random() < 0.05
    below = not full and rng.random() < 0.1
    measured = (Decimal(rng.randrange(4, 11)),) * (car_phases or 3) if below else ()
    return Session(
        f"tx-{n}",
        started,
        priority=1 if rng.random() < 0.1 else 0,
        car_phases=car_phases,
        measured_a=measured,
        max_current_a=car_max,
        full=full,
        below_offer_since=started if below else None,
    )


def naive_equal_share(site: Site) -> dict[EvseId, int]:
    """The baseline: the grid's limit split evenly over sessions, tree and phases ignored."""
    sessions = [e for e in site.evses if e.session is not None and e.controllable]
    share = site.root.capacity_da // max(1, len(sessions))
    return {e.id: min(e.max_da, share) for e in sessions}


def _summary(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), statistics.quantiles(samples, n=20)[18]


def churn(site: Site, rng: random.Random, now: datetime, count: int) -> Site:
    """`count` EVSEs change between rounds: a car leaves, or a car arrives."""
    changes = []
    for evse in rng.sample(site.evses, count):
        if evse.session is None:
            fresh = replace(_session(rng, rng.randrange(10**6)), started_at=now)
            changes.append(replace(evse, session=fresh))
        else:
            changes.append(replace(evse, session=None))
    return site.with_evses(changes)


class Clock:
    """Milliseconds of wall time and of this process's CPU time, per call timed."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def time(self, call: Callable[[], T]) -> T:
        wall, cpu = time.perf_counter(), time.process_time()
        result = call()
        self.cpu.append((time.process_time() - cpu) * 1000.0)
        self.wall.append((time.perf_counter() - wall) * 1000.0)
        return result


def run(sites: int, rounds: int, seed: int, changes: int) -> None:
    rng = random.Random(seed)
    built = [build_site(seed + i) for i in range(sites)]
    site = built[0]
    active = sum(1 for e in site.evses if e.session is not None)
    print(
        f"site: {len(site.evses)} EVSEs, {len(site.circuits)} circuits, about {active} sessions; "
        f"{sites} sites x {rounds} rounds per strategy, {changes} EVSEs changing between rounds"
    )
    print("ms per allocation; wall time includes waiting for a core on a shared machine")
    print()
    print(
        f"{'strategy':<13}{'cpu median':>11}{'cpu p95':>9}{'wall median':>12}{'wall p95':>10}"
        f"{'naive cpu':>11}{'ratio':>8}  target (cpu p95 < {TARGET_MS:.0f} ms)"
    )
    rebuild = Clock()
    gc.collect()
    for strategy in Strategy:
        ours = Clock()
        naive = Clock()
        for one in built:
            previous: Allocation | None = None
            for r in range(rounds):
                now = START + timedelta(seconds=30 * r)
                if r:
                    one = rebuild.time(partial(churn, one, rng, now, changes))
                previous = ours.time(partial(allocate, one, strategy, now, previous=previous))
                naive.time(partial(naive_equal_share, one))
        cpu, cpu95 = _summary(ours.cpu)
        wall, wall95 = _summary(ours.wall)
        base, _ = _summary(naive.cpu)
        verdict = "met" if cpu95 < TARGET_MS else "MISSED"
        print(
            f"{strategy.value:<13}{cpu:>11.2f}{cpu95:>9.2f}{wall:>12.2f}{wall95:>10.2f}"
            f"{base:>11.3f}{cpu / base:>7.0f}x  {verdict}"
        )
    cpu, cpu95 = _summary(rebuild.cpu)
    print()
    print(
        f"rebuilding the site between rounds (Site.with_evses: checks and index), not in the "
        f"figures above: cpu median {cpu:.2f} ms, p95 {cpu95:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=5, help="differently drawn sites")
    parser.add_argument("--rounds", type=int, default=60, help="allocations per site and strategy")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--changes", type=int, default=10, help="EVSEs changing between rounds")
    args = parser.parse_args()
    run(args.sites, args.rounds, args.seed, args.changes)


if __name__ == "__main__":
    main()
