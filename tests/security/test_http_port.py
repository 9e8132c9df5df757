"""The HTTP port under attack from strangers: bodies without credentials, bodies too large,
headers sent a byte at a time, too many connections from one address."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from steppe.app import Steppe, running
from tests.conftest import ADMIN_TOKEN

TEN_MB = 10 * 1024 * 1024


@asynccontextmanager
async def raw_http(app: Steppe) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", app.http_port)
    try:
        yield reader, writer
    finally:
        writer.close()


async def read_response(
    reader: asyncio.StreamReader, seconds: float = 3
) -> tuple[int, dict[str, str], Any]:
    """Status, headers and JSON body of one response (the server closes after it)."""
    async with asyncio.timeout(seconds):
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
        raw = await reader.readexactly(int(headers.get("content-length", "0")))
    return int(lines[0].split()[1]), headers, json.loads(raw) if raw else None


async def test_a_stranger_posting_ten_megabytes_is_refused_before_sending_them(
    steppe: Steppe,
) -> None:
    """A POST announcing 10 MB with no key, or with a wrong one, is answered 401 at once, before
    one byte of the body is sent: the server never reads, holds or parses it."""
    for auth in ("", "Authorization: Bearer stp_wrong-key\r\n"):
        async with raw_http(steppe) as (reader, writer):
            writer.write(
                f"POST /api/v1/stations HTTP/1.1\r\nHost: x\r\n{auth}"
                f"Content-Type: application/json\r\nContent-Length: {TEN_MB}\r\n\r\n".encode()
            )
            await writer.drain()
            status, headers, body = await read_response(reader)
            assert status == 401 and body["error"]["code"] == "unauthenticated"
            assert headers["connection"] == "close"
            async with asyncio.timeout(3):
                assert await reader.read() == b""  # and the connection is closed


async def test_bodies_past_the_limit_are_refused_with_413(
    make_steppe: Callable[..., Steppe], api_for: Callable[[Steppe], httpx.AsyncClient]
) -> None:
    """With a 4 KB limit, an admin's 5 KB station body is refused with 413 (announced or sent in
    chunks), and the station import, which needs more, still takes it."""
    app = make_steppe(max_request_bytes=4096, max_import_bytes=65536)
    async with running(app), api_for(app) as api:
        big = {"id": "CP-1", "location": {"name": "x" * 200}, "padding": "y" * 5000}
        refused = await api.post("/api/v1/stations", json=big)
        assert refused.status_code == 413, refused.text
        assert refused.json()["error"]["code"] == "too_large"

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(10):
                yield b" " * 1000

        chunked = await api.post(
            "/api/v1/stations", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert chunked.status_code == 413, chunked.text
        assert chunked.json()["error"]["code"] == "too_large"

        stations = [{"id": f"CP-{i:05d}", "password": "import-password-0001"} for i in range(150)]
        imported = await api.post("/api/v1/stations/import", json={"stations": stations})
        assert imported.status_code == 201, imported.text
        assert len(imported.request.content) > 4096


async def test_a_body_that_never_arrives_ends_with_408(
    make_steppe: Callable[..., Steppe],
) -> None:
    """An admin's request announcing 100 bytes and sending 10 gets 408 after the body time."""
    app = make_steppe(http_body_timeout=0.5)
    async with running(app), raw_http(app) as (reader, writer):
        writer.write(
            f"POST /api/v1/stations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\n"
            'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"id": "C'.encode()
        )
        await writer.drain()
        started = time.monotonic()
        status, _, body = await read_response(reader)
        assert status == 408 and body["error"]["code"] == "request_timeout"
        assert time.monotonic() - started < 2


async def slow_client(port: int, first: bytes, drip: bytes, every: float) -> float:
    """Send `first`, then `drip` one byte at a time; seconds until the server closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    try:
        writer.write(first)
        for byte in drip:
            await writer.drain()
            try:
                async with asyncio.timeout(every):
                    if await reader.read(65536) == b"" or reader.at_eof():
                        return time.monotonic() - started
            except TimeoutError:
                pass
            writer.write(bytes([byte]))
        async with asyncio.timeout(30):
            while await reader.read(65536):
                pass
        return time.monotonic() - started
    except (ConnectionError, OSError):
        return time.monotonic() - started
    finally:
        writer.close()


async def test_slowloris_headers_are_cut_off_and_others_are_served(
    make_steppe: Callable[..., Steppe],
) -> None:
    """Forty clients sending their headers a byte every 0.2 s (and one that, after a first
    request, drips its second) are each closed about one header timeout (1 s) after they begin;
    meanwhile /health answers, and an event stream stays open past that time."""
    app = make_steppe(http_header_timeout=1.0)
    drip = b"X-Padding: " + b"a" * 200
    first = b"GET /health HTTP/1.1\r\nHost: x\r\n"
    async with running(app), httpx.AsyncClient(base_url=app.http_url, timeout=5) as client:
        slow = [
            asyncio.create_task(slow_client(app.http_port, first, drip, 0.2)) for _ in range(40)
        ]
        kept_alive = asyncio.create_task(
            slow_client(
                app.http_port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n" + first, drip, 0.2
            )
        )
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        async with client.stream("GET", "/api/v1/events", headers=headers) as stream:
            assert stream.status_code == 200
            await asyncio.sleep(0.5)
            assert (await client.get("/health")).status_code == 200
            held = await asyncio.gather(*slow, kept_alive)
            assert all(0.8 < seconds < 2.5 for seconds in held), held
            assert not stream.is_closed  # 2.5 s after it opened, the stream is still there
    print(f"slowloris: {len(held)} clients held {min(held):.2f}-{max(held):.2f} s each")


async def test_one_address_cannot_take_every_connection(
    make_steppe: Callable[..., Steppe],
) -> None:
    """With three connections per address, a fourth from the same address is closed at once,
    and a place is free again when one of the three goes."""
    app = make_steppe(http_max_connections_per_ip=3, http_header_timeout=30)
    async with running(app):
        held = [await asyncio.open_connection("127.0.0.1", app.http_port) for _ in range(3)]
        for _, writer in held:
            writer.write(b"GET /health HTTP/1.1\r\n")
        reader, writer = await asyncio.open_connection("127.0.0.1", app.http_port)
        async with asyncio.timeout(2):
            assert await reader.read() == b""
        writer.close()
        held.pop()[1].close()
        await asyncio.sleep(0.1)
        async with httpx.AsyncClient(base_url=app.http_url, timeout=5) as client:
            assert (await client.get("/health")).status_code == 200
        for _, w in held:
            w.close()


async def test_requests_past_the_concurrency_limit_are_answered_503(
    make_steppe: Callable[..., Steppe],
) -> None:
    """With room for four, four idle connections fill the server and a fifth client gets 503."""
    app = make_steppe(http_max_concurrency=4, http_header_timeout=30)
    async with running(app):
        held = [await asyncio.open_connection("127.0.0.1", app.http_port) for _ in range(4)]
        async with httpx.AsyncClient(base_url=app.http_url, timeout=5) as client:
            assert (await client.get("/health")).status_code == 503
            for _, writer in held:
                writer.close()
            await asyncio.sleep(0.2)
            assert (await client.get("/health")).status_code == 200
