"""The password hash queue: waiting checks served in turns by client, lines bounded."""

from __future__ import annotations

import asyncio

import pytest

from steppe.domain.stations.hash_queue import ChecksBusy, HashQueue, QueueLimits


async def test_waiting_checks_are_served_in_turns_by_client() -> None:
    """One slot; client A queues five checks, then B one: B's goes second, not sixth."""
    queue = HashQueue(QueueLimits(parallel=1, per_client=10, total=100))
    await queue.acquire("A")  # the slot is taken
    order: list[str] = []

    async def check(client: str) -> None:
        await queue.acquire(client)
        order.append(client)
        queue.release()

    waiting = [asyncio.create_task(check("A")) for _ in range(5)]
    await asyncio.sleep(0)
    waiting.append(asyncio.create_task(check("B")))
    await asyncio.sleep(0)
    queue.release()
    await asyncio.gather(*waiting)
    assert order == ["A", "B", "A", "A", "A", "A"]


async def test_a_full_line_is_refused_at_once() -> None:
    queue = HashQueue(QueueLimits(parallel=1, per_client=2, total=3))
    await queue.acquire("A")
    tasks = [asyncio.create_task(queue.acquire("A")) for _ in range(2)]
    await asyncio.sleep(0)
    with pytest.raises(ChecksBusy):
        await queue.acquire("A")  # A's line is full
    tasks.append(asyncio.create_task(queue.acquire("B")))
    await asyncio.sleep(0)
    with pytest.raises(ChecksBusy):
        await queue.acquire("C")  # the queue is full
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert queue.waiting == 0
