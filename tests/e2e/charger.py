"""An independent 1.6 charger for tests: the `ocpp` library's ChargePoint over a real socket."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import websockets
from ocpp.v16 import ChargePoint
from ocpp.v201 import ChargePoint as ChargePoint201


def basic_auth(station_id: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{station_id}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@asynccontextmanager
async def connect_v16(
    ocpp_url: str, station_id: str, password: str, *, cls: type[ChargePoint] = ChargePoint
) -> AsyncIterator[ChargePoint]:
    """A connected 1.6 ChargePoint whose reader runs until the block ends."""
    async with websockets.connect(
        f"{ocpp_url}/{station_id}",
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        additional_headers=basic_auth(station_id, password),
        open_timeout=5,
    ) as ws:
        cp = cls(station_id, ws)
        reader = asyncio.create_task(cp.start())
        try:
            yield cp
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)


@asynccontextmanager
async def connect_v201(
    ocpp_url: str,
    station_id: str,
    password: str,
    *,
    subprotocols: tuple[str, ...] = ("ocpp2.0.1",),
    cls: type[ChargePoint201] = ChargePoint201,
) -> AsyncIterator[ChargePoint201]:
    """A connected 2.0.1 ChargePoint (Basic auth) whose reader runs until the block ends."""
    async with websockets.connect(
        f"{ocpp_url}/{station_id}",
        subprotocols=list(subprotocols),  # type: ignore[arg-type]
        additional_headers=basic_auth(station_id, password),
        open_timeout=5,
    ) as ws:
        cp = cls(station_id, ws)
        reader = asyncio.create_task(cp.start())
        try:
            yield cp
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
