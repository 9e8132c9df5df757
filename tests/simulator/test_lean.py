"""The simulator's lean WebSocket client against a real websockets server on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from http import HTTPStatus

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from steppe.simulator.lean import ConnectionClosed, HandshakeFailed, connect

Handler = Callable[[ServerConnection], Awaitable[None]]


@asynccontextmanager
async def server(handler: Handler, **kwargs: object) -> AsyncIterator[str]:
    kwargs.setdefault("subprotocols", ["ocpp1.6"])
    async with serve(handler, "127.0.0.1", 0, **kwargs) as ws_server:  # type: ignore[arg-type]
        port = ws_server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}/ocpp/ST-1"


async def echo(ws: ServerConnection) -> None:
    async for message in ws:
        await ws.send(message)


async def test_it_upgrades_with_subprotocol_and_headers_and_echoes_every_size() -> None:
    seen: dict[str, str | None] = {}

    async def handler(ws: ServerConnection) -> None:
        assert ws.request is not None
        seen["path"] = ws.request.path
        seen["auth"] = ws.request.headers.get("Authorization")
        seen["subprotocol"] = ws.subprotocol
        await echo(ws)

    async with server(handler) as url:
        client = await connect(url, subprotocol="ocpp1.6", headers={"Authorization": "Basic eA=="})
        # Each length form of a frame header: 7 bits, 16 bits, 64 bits.
        for size in (0, 125, 126, 65535, 65536, 200_000):
            payload = bytes(i % 251 for i in range(size))
            await client.send(payload, text=False)
            assert await client.recv() == payload
        await client.send(b'[2,"1","Heartbeat",{}]', text=True)
        assert await client.recv() == b'[2,"1","Heartbeat",{}]'
        await client.close()
    assert seen == {"path": "/ocpp/ST-1", "auth": "Basic eA==", "subprotocol": "ocpp1.6"}


async def test_a_refused_upgrade_raises_with_the_status() -> None:
    def refuse(ws: ServerConnection, request: Request) -> Response:
        return ws.respond(HTTPStatus.UNAUTHORIZED, "no\n")

    async with server(echo, process_request=refuse) as url:
        with pytest.raises(HandshakeFailed, match="401"):
            await connect(url, subprotocol="ocpp1.6")


async def test_an_upgrade_without_the_subprotocol_is_a_failed_handshake() -> None:
    async with server(echo, subprotocols=None) as url:  # accepts, but selects none
        with pytest.raises(HandshakeFailed, match="subprotocol"):
            await connect(url, subprotocol="ocpp1.6")


async def test_pings_are_answered_and_fragments_are_joined() -> None:
    pong_seen = asyncio.Event()

    async def handler(ws: ServerConnection) -> None:
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, 5)
        pong_seen.set()
        await ws.send([b"[3,", b'"7",', b"{}]"])  # one message in three frames
        await echo(ws)

    async with server(handler) as url:
        client = await connect(url, subprotocol="ocpp1.6")
        assert await client.recv() == b'[3,"7",{}]'
        await asyncio.wait_for(pong_seen.wait(), 5)
        await client.close()


async def test_a_close_from_the_server_ends_recv_with_its_code() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.close(1008, "rate limit")

    async with server(handler) as url:
        client = await connect(url, subprotocol="ocpp1.6")
        with pytest.raises(ConnectionClosed) as closed:
            await client.recv()
        assert closed.value.code == 1008
        with pytest.raises(ConnectionClosed):
            await client.send(b"late")


async def test_the_client_closes_cleanly_with_1000() -> None:
    codes: list[int | None] = []

    async def handler(ws: ServerConnection) -> None:
        await echo(ws)
        codes.append(ws.close_code)

    async with server(handler) as url:
        client = await connect(url, subprotocol="ocpp1.6")
        await asyncio.wait_for(client.close(), 5)
        for _ in range(100):
            if codes:
                break
            await asyncio.sleep(0.01)
    assert codes == [1000]
