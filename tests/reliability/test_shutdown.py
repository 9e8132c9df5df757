"""SIGTERM under load and keepalive: a clean, prompt end, and a dead station seen as gone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import websockets
from sqlalchemy import select
from websockets.exceptions import ConnectionClosed

from steppe.app import Steppe, running
from steppe.storage.db import Database
from steppe.storage.tables.core import meter_values
from tests.e2e.charger import basic_auth
from tests.gateway.rawclient import PASSWORD, exchange, raw_handshake, raw_station, register
from tests.gateway.test_fast_lane import PING, TEXT, RawSocket, heartbeat
from tests.reliability.process import ServerProcess

CHARGERS = 20
BASE = datetime(2026, 11, 1, tzinfo=UTC)
BOOT = '[2,"b","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]'


async def send_until_closed(
    url: str, station_id: str, acked: set[tuple[str, int]], started: asyncio.Event
) -> int | None:
    """Boot, then MeterValues back to back until the server closes; returns the close code."""
    async with websockets.connect(
        f"{url}/{station_id}",
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        additional_headers=basic_auth(station_id, PASSWORD),
        ping_interval=None,
    ) as ws:
        await exchange(ws, BOOT)
        started.set()
        n = 0
        try:
            while True:
                n += 1
                value = {
                    "timestamp": (BASE + timedelta(seconds=n)).isoformat().replace("+00:00", "Z"),
                    "sampledValue": [{"value": str(n), "unit": "Wh"}],
                }
                mv = [2, f"m{n}", "MeterValues", {"connectorId": 1, "meterValue": [value]}]
                answer = await exchange(ws, orjson.dumps(mv).decode(), timeout=30)
                if answer[0] == 3:
                    acked.add((station_id, n))
                await asyncio.sleep(0.01)
        except ConnectionClosed:
            pass
        return ws.close_code


async def test_sigterm_under_load_finishes_commits_closes_1001_and_exits_0(
    tmp_path: Path,
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'term.db'}"
    server = ServerProcess(database_url, tmp_path)
    acked: set[tuple[str, int]] = set()
    try:
        await server.start()
        station_ids = [f"TERM-{n:02d}" for n in range(CHARGERS)]
        async with server.client() as api:
            stations = [{"id": sid, "password": PASSWORD} for sid in station_ids]
            assert (
                await api.post("/api/v1/stations/import", json={"stations": stations})
            ).status_code == 201
        events = [asyncio.Event() for _ in station_ids]
        chargers = [
            asyncio.create_task(send_until_closed(server.ocpp_url, sid, acked, event))
            for sid, event in zip(station_ids, events, strict=True)
        ]
        await asyncio.gather(*(event.wait() for event in events))
        await asyncio.sleep(0.5)
        assert acked, "no load before SIGTERM"
        server.terminate()
        exit_code = await server.wait(timeout=10)
        async with asyncio.timeout(10):
            codes = await asyncio.gather(*chargers)
    finally:
        server.stop()
    assert exit_code == 0, server.log()
    assert codes == [1001] * CHARGERS
    assert "Traceback" not in server.log()
    db = Database(database_url)
    try:
        async with db.connect() as conn:
            rows = await conn.execute(select(meter_values.c.station_id, meter_values.c.value))
            stored = {(station_id, int(value)) for station_id, value in rows.all()}
    finally:
        await db.close()
    assert acked <= stored
    print(f"\n{len(acked)} acknowledged before SIGTERM, {len(stored - acked)} more stored")


async def open_and_go_silent(host: str, port: int, station_id: str) -> asyncio.StreamWriter:
    """A station that finishes the WebSocket handshake, then never reads nor answers again."""
    _reader, writer = await raw_handshake(host, port, station_id)
    return writer


async def test_keepalive_marks_a_silent_station_disconnected(
    make_steppe: Callable[..., Steppe], api_for: Callable[[Steppe], httpx.AsyncClient]
) -> None:
    # A dead peer is dropped after ping_interval + ping_timeout + close_timeout (the close
    # handshake it never answers); all three are short here.
    app = make_steppe(ping_interval=0.3, ping_timeout=0.3, close_timeout=0.5)
    async with running(app), api_for(app) as api:
        await register(api, "KA-DEAD", "KA-ALIVE")
        async with raw_station(app.ocpp_url, "KA-ALIVE"):  # answers pings by itself
            writer = await open_and_go_silent("127.0.0.1", app.ocpp_port, "KA-DEAD")
            try:
                async with asyncio.timeout(10):
                    while not app.registry.is_connected("KA-DEAD"):
                        await asyncio.sleep(0.02)
                    while (await api.get("/api/v1/stations/KA-DEAD")).json()["connected"]:
                        await asyncio.sleep(0.05)
                # Several ping rounds later the live station is still there.
                alive = (await api.get("/api/v1/stations/KA-ALIVE")).json()
                assert alive["connected"] is True
            finally:
                writer.close()


async def test_keepalive_pings_only_a_station_that_has_gone_quiet(
    make_steppe: Callable[..., Steppe], api_for: Callable[[Steppe], httpx.AsyncClient]
) -> None:
    """A station that keeps talking is not pinged (its messages show it is there); once it goes
    quiet for the ping interval, it is."""
    app = make_steppe(ping_interval=0.3, ping_timeout=5)
    async with running(app), api_for(app) as api:
        await register(api, "KA-TALK")
        reader, writer = await raw_handshake("127.0.0.1", app.ocpp_port, "KA-TALK")
        ws = RawSocket(reader, writer)
        try:
            for n in range(12):  # 1.2 s of a call every 0.1 s: four ping intervals
                await ws.send(heartbeat(f"t{n}"))
                opcode, _ = await ws.read_frame()
                assert opcode == TEXT, "a talking station was pinged"
                await asyncio.sleep(0.1)
            opcode, _ = await ws.read_frame(timeout=2)
            assert opcode == PING
        finally:
            writer.close()
