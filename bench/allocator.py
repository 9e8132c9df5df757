"""The site load allocator on a site of 1,000 EVSEs: time per allocation, against a naive baseline.

python -m bench.allocator [--sites 5] [--rounds 60] [--seed 1]

The site: grid connection -> 10 feeders -> 10 distribution boards each -> 10 EVSEs each, sized so
that limits bind at every level (8,000 A at the grid for 10 x 1,000 A feeders, 125 A boards for
10 EVSEs of up to 32 A). The mix: mostly 22 kW three-phase EVSEs, some 11 kW, some single-phase
7.4 kW on all three grid phases, rotations RST/STR/TRS and a few unknown; three sessions in four,
with three-phase BEVs, single-phase plug-in hybrids and cars whose phases are not measured yet, a
fleet at priority 1, full cars, cars drawing less than offered; a few EVSEs offline or refusing
profiles.

Each round is one `allocate` on the site as it stands, with the previous round's result passed
back, 30 s later, as Steppe would run it. The baseline, timed in the same rounds, is the naive
equal share that ignores the tree: the grid's limit divided by the number of sessions, capped at
each EVSE's maximum. It is not safe (it overloads boards) and is there to give the allocator's
cost a scale that moves with the machine: the ratio is the figure to compare between runs. The
target is an allocation under 20 ms; nothing here is asserted, it is reported.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

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


def run(sites: int, rounds: int, seed: int) -> None:
    built = []
    build_ms = []
    for i in range(sites):
        began = time.perf_counter()
        built.append(build_site(seed + i))
        build_ms.append((time.perf_counter() - began) * 1000.0)
    site = built[0]
    active = sum(1 for e in site.evses if e.session is not None)
    print(
        f"site: {len(site.evses)} EVSEs, {len(site.circuits)} circuits, about {active} sessions; "
        f"{sites} sites x {rounds} rounds per strategy"
    )
    print(f"building a site (checks and index): median {statistics.median(build_ms):.1f} ms")
    print()
    print(f"{'strategy':<14}{'median ms':>11}{'p95 ms':>9}{'naive ms':>10}{'ratio':>8}  target")
    gc.collect()
    for strategy in Strategy:
        ours: list[float] = []
        naive: list[float] = []
        for one in built:
            previous: Allocation | None = None
            for r in range(rounds):
                now = START + timedelta(seconds=30 * r)
                began = time.perf_counter()
                previous = allocate(one, strategy, now, previous=previous)
                ours.append((time.perf_counter() - began) * 1000.0)
                began = time.perf_counter()
                naive_equal_share(one)
                naive.append((time.perf_counter() - began) * 1000.0)
        median, p95 = _summary(ours)
        base, _ = _summary(naive)
        verdict = "met" if p95 < TARGET_MS else "MISSED"
        print(
            f"{strategy.value:<14}{median:>11.2f}{p95:>9.2f}{base:>10.3f}{median / base:>7.1f}x"
            f"  p95 < {TARGET_MS:.0f} ms: {verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=5, help="differently drawn sites")
    parser.add_argument("--rounds", type=int, default=60, help="allocations per site and strategy")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    run(args.sites, args.rounds, args.seed)


if __name__ == "__main__":
    main()
