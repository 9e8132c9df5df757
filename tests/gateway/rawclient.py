"""A raw websockets charger for bad-input tests: sends exactly the bytes it is given."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson
import websockets
from websockets.asyncio.client import ClientConnection

from tests.e2e.charger import basic_auth

PASSWORD = "raw-client-password-1"
BOOT = '[2,"boot-1","BootNotification",{"chargePointVendor":"Raw","chargePointModel":"Socket"}]'


async def register(api: httpx.AsyncClient, *station_ids: str) -> None:
    for station_id in station_ids:
        response = await api.post("/api/v1/stations", json={"id": station_id, "password": PASSWORD})
        assert response.status_code == 201, response.text


@asynccontextmanager
async def raw_station(
    ocpp_url: str, station_id: str, **kwargs: Any
) -> AsyncIterator[ClientConnection]:
    """A connected, booted 1.6 station speaking raw frames."""
    async with websockets.connect(
        f"{ocpp_url}/{station_id}",
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        additional_headers=basic_auth(station_id, PASSWORD),
        open_timeout=5,
        **kwargs,
    ) as ws:
        assert (await exchange(ws, BOOT))[2]["status"] == "Accepted"
        yield ws


async def exchange(ws: ClientConnection, frame: str | bytes, timeout: float = 5) -> list[Any]:
    await ws.send(frame)
    answer = await asyncio.wait_for(ws.recv(), timeout)
    decoded: list[Any] = orjson.loads(answer)
    return decoded


async def heartbeat_works(ws: ClientConnection, message_id: str = "hb") -> bool:
    answer = await exchange(ws, f'[2,"{message_id}","Heartbeat",{{}}]')
    return answer[0] == 3 and answer[1] == message_id and "currentTime" in answer[2]


async def raw_handshake(
    host: str, port: int, station_id: str, *, then: bytes = b""
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A plain TCP stream through the WebSocket handshake (ocpp1.6, Basic auth), written out by
    hand so a test decides every byte that follows; `then` goes in the same write as the
    request, before the answer to it."""
    reader, writer = await asyncio.open_connection(host, port)
    key = base64.b64encode(os.urandom(16)).decode()
    auth = basic_auth(station_id, PASSWORD)["Authorization"]
    request = (
        f"GET /ocpp/{station_id} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Protocol: ocpp1.6\r\nAuthorization: {auth}\r\n\r\n"
    )
    writer.write(request.encode() + then)
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 101"), head
    return reader, writer
