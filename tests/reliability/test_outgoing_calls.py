"""Steppe's own calls to chargers: one in flight per station, a timeout, and a charger that never
answers holds up nobody but itself."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import ClientConnection

from steppe.app import Steppe
from steppe.errors import CommandTimeout
from tests.gateway.rawclient import raw_station, register

RESET = {"type": "Soft"}


async def next_call(ws: ClientConnection, timeout: float = 10) -> list[Any]:
    """The next CALL the server sends to this charger."""
    async with asyncio.timeout(timeout):
        while True:
            frame: list[Any] = orjson.loads(await ws.recv())
            if frame[0] == 2:
                return frame


async def answer_every_call(ws: ClientConnection, log: list[str]) -> None:
    """A charger that answers each call after a short while, noting overlapping calls."""
    while True:
        call = await next_call(ws, timeout=60)
        log.append(f"call {call[1]}")
        await asyncio.sleep(0.05)
        log.append(f"answer {call[1]}")
        await ws.send(orjson.dumps([3, call[1], {"status": "Accepted"}]).decode())


async def test_a_charger_that_never_answers_times_out_and_blocks_nobody(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    await register(api, "MUTE", "TALKER")
    registry = steppe.registry
    async with (
        raw_station(steppe.ocpp_url, "MUTE") as mute,
        raw_station(steppe.ocpp_url, "TALKER") as talker,
    ):
        log: list[str] = []
        answering = asyncio.create_task(answer_every_call(talker, log))
        first = asyncio.create_task(registry.call("MUTE", "Reset", RESET, timeout=2))
        second = asyncio.create_task(registry.call("MUTE", "Reset", RESET, timeout=10))
        unanswered = await next_call(mute)

        # Meanwhile the other station's calls go through, one at a time.
        answers = await asyncio.gather(
            *(registry.call("TALKER", "Reset", RESET, timeout=10) for _ in range(4))
        )
        assert answers == [{"status": "Accepted"}] * 4
        assert not first.done(), "the other station waited for the silent one"
        calls = [entry for entry in log if entry.startswith("call")]
        assert len(calls) == 4
        # Strictly alternating: no call was sent before the previous one was answered.
        assert [entry.split()[0] for entry in log] == ["call", "answer"] * 4

        with pytest.raises(CommandTimeout):
            await first
        # The queued second call went out only after the first gave up.
        follow_up = await next_call(mute)
        assert follow_up[1] != unanswered[1]
        # A late answer to the first call is ignored; the second gets its own answer.
        await mute.send(orjson.dumps([3, unanswered[1], {"status": "Accepted"}]).decode())
        await mute.send(orjson.dumps([3, follow_up[1], {"status": "Rejected"}]).decode())
        assert await second == {"status": "Rejected"}
        answering.cancel()
        await asyncio.gather(answering, return_exceptions=True)


async def test_the_second_call_is_not_sent_while_the_first_is_in_flight(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    await register(api, "SLOW")
    async with raw_station(steppe.ocpp_url, "SLOW") as ws:
        first = asyncio.create_task(steppe.registry.call("SLOW", "Reset", RESET, timeout=10))
        second = asyncio.create_task(steppe.registry.call("SLOW", "Reset", RESET, timeout=10))
        call = await next_call(ws)
        with pytest.raises(TimeoutError):  # nothing else arrives while the first is unanswered
            await next_call(ws, timeout=0.5)
        await ws.send(orjson.dumps([3, call[1], {"status": "Accepted"}]).decode())
        assert await first == {"status": "Accepted"}
        call = await next_call(ws)
        await ws.send(orjson.dumps([3, call[1], {"status": "Rejected"}]).decode())
        assert await second == {"status": "Rejected"}
