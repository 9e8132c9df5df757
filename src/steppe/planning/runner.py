"""Replications of one model, in parallel processes, each from its own child of the seed.

Replication i draws from `SeedSequence(seed).spawn(n)[i]`, so its result does not depend on
which process runs it or in what order: the same seed gives the same numbers with one worker or
many. Workers are started with "spawn" (nothing inherited from the parent but the model); they
report progress through a queue of a multiprocessing manager.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from steppe.planning.arrivals import draw
from steppe.planning.model import Model
from steppe.planning.simulation import Simulation
from steppe.planning.tally import Tally

ProgressCallback = Callable[[int, float], None]  # (replication, fraction done)


@dataclass(frozen=True, slots=True)
class Replication:
    index: int
    tally: Tally
    arrivals: int
    elapsed_s: float
    cpu_s: float


def run_one(
    model: Model,
    seed: np.random.SeedSequence,
    index: int,
    progress: Callable[[float], None] | None = None,
) -> Replication:
    began = time.perf_counter()
    cpu = time.process_time()
    arrivals = draw(model, np.random.default_rng(seed))
    tally = Simulation(model, arrivals).run(progress)
    return Replication(
        index, tally, len(arrivals), time.perf_counter() - began, time.process_time() - cpu
    )


def _in_worker(
    model: Model,
    seed: np.random.SeedSequence,
    index: int,
    channel: queue.Queue[tuple[int, float]],
) -> Replication:
    def report(fraction: float) -> None:
        channel.put((index, fraction))

    return run_one(model, seed, index, report)


def default_workers(replications: int) -> int:
    return max(1, min(replications, os.cpu_count() or 1))


def run_replications(
    model: Model,
    seed: int,
    replications: int,
    *,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> list[Replication]:
    seeds = np.random.SeedSequence(seed).spawn(replications)
    workers = workers or default_workers(replications)
    if workers <= 1 or replications == 1:
        results = []
        for index, child in enumerate(seeds):

            def report(fraction: float, index: int = index) -> None:
                if progress is not None:
                    progress(index, fraction)

            results.append(run_one(model, child, index, report))
        return results
    context = multiprocessing.get_context("spawn")
    with (
        context.Manager() as manager,
        ProcessPoolExecutor(max_workers=min(workers, replications), mp_context=context) as pool,
    ):
        channel: queue.Queue[tuple[int, float]] = manager.Queue()
        futures: list[Future[Replication]] = [
            pool.submit(_in_worker, model, child, index, channel)
            for index, child in enumerate(seeds)
        ]
        while not all(future.done() for future in futures):
            _drain(channel, progress, timeout=0.2)
        _drain(channel, progress, timeout=0.0)
        return [future.result() for future in futures]


def _drain(
    channel: queue.Queue[tuple[int, float]], progress: ProgressCallback | None, timeout: float
) -> None:
    try:
        index, fraction = channel.get(timeout=timeout) if timeout else channel.get_nowait()
        if progress is not None:
            progress(index, fraction)
        while True:
            index, fraction = channel.get_nowait()
            if progress is not None:
                progress(index, fraction)
    except queue.Empty:
        return
