"""Reconnects: a new connection replaces the old one; a storm of reconnecting stations is absorbed
with no errors and memory that grows with connections, not with reconnects."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import httpx
import orjson
import psutil
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from steppe.app import Steppe
from steppe.errors import StationNotConnected
from tests.e2e.charger import basic_auth
from tests.gateway.rawclient import BOOT, PASSWORD, exchange, heartbeat_works, raw_station, register
from tests.reliability.process import ServerProcess

STORM = 2000
RSS_PER_CONNECTION_LIMIT = 200 * 1024


async def connected(api: httpx.AsyncClient, station_id: str) -> bool:
    flag: bool = (await api.get(f"/api/v1/stations/{station_id}")).json()["connected"]
    return flag


async def test_a_new_connection_replaces_the_old_one(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    await register(api, "RE-1")
    async with raw_station(steppe.ocpp_url, "RE-1") as old_ws:
        old = steppe.registry.get("RE-1")
        assert old is not None
        # A command is in flight on the old connection when the charger reconnects.
        command = asyncio.create_task(steppe.registry.call("RE-1", "Reset", {"type": "Soft"}))
        assert orjson.loads(await old_ws.recv())[2] == "Reset"
        async with raw_station(steppe.ocpp_url, "RE-1") as new_ws:
            async with asyncio.timeout(10):
                await old_ws.wait_closed()
            assert old_ws.close_code == 4000
            # The old connection's work ends with it: the command fails now, not at its timeout.
            with pytest.raises(StationNotConnected):
                async with asyncio.timeout(10):
                    await command
            assert old.ws.closed
            new = steppe.registry.get("RE-1")
            assert new is not None and new is not old
            assert len(steppe.registry) == 1
            assert steppe.ocpp.connections.count("127.0.0.1") == 1
            assert await connected(api, "RE-1")
            assert await heartbeat_works(new_ws)
            # Commands now reach the station through the new connection.
            command = asyncio.create_task(steppe.registry.call("RE-1", "Reset", {"type": "Soft"}))
            call = orjson.loads(await new_ws.recv())
            await new_ws.send(orjson.dumps([3, call[1], {"status": "Accepted"}]).decode())
            assert await command == {"status": "Accepted"}
    async with asyncio.timeout(10):  # the server notices the close, then forgets the station
        while await connected(api, "RE-1"):
            await asyncio.sleep(0.02)
    assert steppe.registry.get("RE-1") is None


async def _connect(url: str, station_id: str) -> ClientConnection:
    ws = await websockets.connect(
        f"{url}/{station_id}",
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        additional_headers=basic_auth(station_id, PASSWORD),
        open_timeout=60,
        ping_interval=None,
        close_timeout=1,
    )
    answer = await exchange(ws, BOOT, timeout=60)
    assert answer[0] == 3 and answer[2]["status"] == "Accepted", answer
    return ws


async def _wave(url: str, station_ids: list[str]) -> tuple[list[ClientConnection], Counter[str]]:
    results = await asyncio.gather(
        *(_connect(url, sid) for sid in station_ids), return_exceptions=True
    )
    sockets = [r for r in results if isinstance(r, ClientConnection)]
    errors = Counter(type(r).__name__ for r in results if isinstance(r, BaseException))
    return sockets, errors


@pytest.mark.slow
async def test_a_storm_of_reconnecting_stations_is_absorbed(tmp_path: Path) -> None:
    server = ServerProcess(
        f"sqlite+aiosqlite:///{tmp_path / 'storm.db'}",
        tmp_path,
        STEPPE_MAX_CONNECTIONS_PER_IP=str(3 * STORM),
    )
    first: list[ClientConnection] = []
    second: list[ClientConnection] = []
    try:
        await server.start()
        station_ids = [f"STORM-{n:05d}" for n in range(STORM)]
        async with server.client() as api:
            stations = [{"id": sid, "password": PASSWORD} for sid in station_ids]
            response = await api.post("/api/v1/stations/import", json={"stations": stations})
            assert response.status_code == 201, response.text
        process = psutil.Process(server.pid)
        rss_idle = process.memory_info().rss

        first, errors = await _wave(server.ocpp_url, station_ids)
        assert not errors and len(first) == STORM
        rss_connected = process.memory_info().rss
        # Every station reconnects at once while its old socket is still open.
        second, errors = await _wave(server.ocpp_url, station_ids)
        assert not errors and len(second) == STORM
        async with asyncio.timeout(60):
            await asyncio.gather(*(ws.wait_closed() for ws in first))
        assert Counter(ws.close_code for ws in first) == {4000: STORM}
        replies = await asyncio.gather(*(exchange(ws, '[2,"hb","Heartbeat",{}]') for ws in second))
        assert all(reply[0] == 3 for reply in replies)
        rss_after = process.memory_info().rss
        async with server.client() as api:
            page = (await api.get("/api/v1/stations", params={"limit": 500})).json()
            assert all(station["connected"] for station in page["items"])
        assert "Traceback" not in server.log()
    finally:
        await asyncio.gather(*(ws.close() for ws in first + second), return_exceptions=True)
        server.stop()
    per_connection = (rss_after - rss_idle) / STORM
    print(
        f"\nRSS idle {rss_idle / 2**20:.1f} MiB, {STORM} connected {rss_connected / 2**20:.1f} MiB,"
        f" after all reconnected {rss_after / 2**20:.1f} MiB: "
        f"{per_connection / 1024:.1f} KiB per live connection"
    )
    assert per_connection < RSS_PER_CONNECTION_LIMIT
