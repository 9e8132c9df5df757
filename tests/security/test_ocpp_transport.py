"""The OCPP port's transport under attack: half-open handshakes held open a byte at a time, and an
authenticated station flooding pings it never reads the answers to, or answers nobody asked for."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import httpx
import pytest

from steppe.app import Steppe, running
from tests.gateway.rawclient import exchange, heartbeat_works, raw_handshake, raw_station, register
from tests.security.ocpp_raw import masked_frame

TEXT, CLOSE, PING = 0x1, 0x8, 0x9


async def slow_client(port: int, trickle_for: float) -> bytes:
    """Starts an opening request and sends one header line every 0.1 s, never finishing; returns
    what the server sent before it closed the connection (b"" if it sent nothing)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /ocpp/CP-SLOW HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    received = b""
    try:
        async with asyncio.timeout(trickle_for):
            while True:
                try:
                    chunk = await asyncio.wait_for(reader.read(4096), 0.1)
                except TimeoutError:
                    writer.write(b"X-Slow: 1\r\n")
                    continue
                if not chunk:
                    return received
                received += chunk
    except ConnectionError:  # the server dropped it with unread bytes in its buffer: a reset
        return received
    except TimeoutError:
        return received + b"<still open>"
    finally:
        writer.close()


async def test_half_open_handshakes_are_capped_per_address_and_cut_short(
    make_steppe: Callable[..., Steppe], api_for: Callable[[Steppe], httpx.AsyncClient]
) -> None:
    """60 clients from one address that never finish their request, with a cap of 20: 40 are
    answered 429 at once; the 20 counted ones are dropped at the opening-request deadline
    (0.5 s here) although they keep sending, long before the 30 s handshake timeout; then a real
    station connects from the same address."""
    settings = {"max_connections_per_ip": 20, "opening_request_timeout": 0.5}
    async with running(make_steppe(**settings)) as app:
        async with api_for(app) as api:
            await register(api, "CP-REAL")
        held = await asyncio.gather(*(slow_client(app.ocpp_port, 5.0) for _ in range(60)))
        refused = [r for r in held if r.startswith(b"HTTP/1.1 429")]
        dropped = [r for r in held if r == b""]
        assert len(refused) + len(dropped) == 60, [r[:20] for r in held]  # none still open
        # 40 exactly, unless a reset overtook an answer (then it counts as dropped)
        assert 30 <= len(refused) <= 40
        async with asyncio.timeout(5):
            while app.ocpp.connections.count("127.0.0.1"):
                await asyncio.sleep(0.02)
        async with raw_station(app.ocpp_url, "CP-REAL") as ws:
            assert await heartbeat_works(ws)


@pytest.mark.parametrize(
    "first",
    [b"", masked_frame(TEXT, b"[2,", fin=False)],
    ids=["whole-frames", "inside-a-fragmented-message"],
)
async def test_a_ping_flood_from_a_station_that_never_reads_is_closed(
    make_steppe: Callable[..., Steppe],
    api_for: Callable[[Steppe], httpx.AsyncClient],
    first: bytes,
) -> None:
    """An authenticated station writes 2,000 pings without reading (also between the fragments
    of a message, where the protocol reads every frame): past the control-frame rate the server
    stops answering and closes with 1008, so it never buffers 2,000 pongs."""
    async with running(make_steppe()) as app:
        async with api_for(app) as api:
            await register(api, "CP-PINGS")
        reader, writer = await raw_handshake("127.0.0.1", app.ocpp_port, "CP-PINGS")
        try:
            writer.write(first)
            writer.write(b"".join(masked_frame(PING, b"p" * 125) for _ in range(2000)))
            await writer.drain()
            async with asyncio.timeout(10):
                received = await reader.read()  # until the server ends the connection
        finally:
            writer.close()
        pongs = received.count(b"\x8a\x7d" + b"p" * 125)
        assert pongs < 100
        close_at = received.find(bytes((0x80 | CLOSE,)))
        assert close_at >= 0
        assert int.from_bytes(received[close_at + 2 : close_at + 4]) == 1008


async def test_unsolicited_answers_are_logged_once_not_thousands_of_times(
    make_steppe: Callable[..., Steppe],
    api_for: Callable[[Steppe], httpx.AsyncClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """2,000 CALLRESULTs answering nothing, within a generous message rate: one log line, not
    2,000, and the station is still served."""
    caplog.set_level(logging.INFO, logger="steppe.gateway")
    settings = {"max_messages_per_second": 100_000, "message_burst": 100_000}
    async with running(make_steppe(**settings)) as app:
        async with api_for(app) as api:
            await register(api, "CP-CHATTY")
        async with raw_station(app.ocpp_url, "CP-CHATTY") as ws:
            for n in range(2000):
                await ws.send(f'[3,"nobody-asked-{n}",{{}}]')
            assert (await exchange(ws, '[2,"hb","Heartbeat",{}]'))[1] == "hb"
    ignored = [r for r in caplog.records if "ignored a frame" in r.getMessage()]
    assert 1 <= len(ignored) <= 2
