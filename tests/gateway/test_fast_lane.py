"""The lane for whole data frames (gateway/websocket.py) over a raw TCP socket, so the test
decides exactly how frames are cut and batched: it must answer as websockets' protocol would, and
hand anything unusual to that protocol."""

from __future__ import annotations

import asyncio
import os
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
from hypothesis import given
from hypothesis import strategies as st

from steppe.app import Steppe
from steppe.gateway.websocket import StationSocket, unmask
from tests.gateway.rawclient import BOOT, heartbeat_works, raw_handshake, raw_station, register

TEXT, BINARY, CONT, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA


def frame(
    opcode: int, payload: bytes, *, fin: bool = True, rsv: int = 0, masked: bool = True
) -> bytes:
    """One client frame, masked as RFC 6455 requires of clients (unless told otherwise)."""
    first = (0x80 if fin else 0) | rsv | opcode
    length = len(payload)
    if length < 126:
        header = bytes((first, (0x80 if masked else 0) | length))
    else:
        header = bytes((first, (0x80 if masked else 0) | 126)) + struct.pack("!H", length)
    if not masked:
        return header + payload
    mask = os.urandom(4)
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def text(message: str) -> bytes:
    return frame(TEXT, message.encode())


def heartbeat(message_id: str) -> bytes:
    return text(f'[2,"{message_id}","Heartbeat",{{}}]')


class RawSocket:
    """A WebSocket client written out by hand on a TCP stream."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def read_frame(self, timeout: float = 5) -> tuple[int, bytes]:
        async with asyncio.timeout(timeout):
            first, second = await self.reader.readexactly(2)
            length = second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", await self.reader.readexactly(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
            return first & 0x0F, await self.reader.readexactly(length)

    async def answer(self) -> list[Any]:
        opcode, payload = await self.read_frame()
        assert opcode == TEXT, (opcode, payload)
        decoded: list[Any] = orjson.loads(payload)
        return decoded

    async def close_code(self) -> int:
        while True:
            opcode, payload = await self.read_frame()
            if opcode == CLOSE:
                code: int = struct.unpack("!H", payload[:2])[0]
                return code


@asynccontextmanager
async def booted(
    steppe: Steppe, api: httpx.AsyncClient, station_id: str
) -> AsyncIterator[RawSocket]:
    """A registered station on a raw TCP stream, booted."""
    await register(api, station_id)
    url = urlsplit(steppe.ocpp_url)
    assert url.hostname is not None and url.port is not None
    reader, writer = await raw_handshake(url.hostname, url.port, station_id)
    ws = RawSocket(reader, writer)
    try:
        await ws.send(text(BOOT))
        assert (await ws.answer())[2]["status"] == "Accepted"
        yield ws
    finally:
        writer.close()


def server_side(steppe: Steppe, station_id: str) -> StationSocket:
    connection = steppe.registry.get(station_id)
    assert connection is not None
    return connection.ws


async def test_frames_cut_anywhere_or_sent_together_are_answered_in_order(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    async with booted(steppe, api, "FL-1") as ws:
        # Three calls in one TCP write.
        await ws.send(heartbeat("a") + heartbeat("b") + heartbeat("c"))
        assert [(await ws.answer())[1] for _ in range(3)] == ["a", "b", "c"]
        # More than the queue holds: reading pauses, resumes, and nothing is lost.
        many = [f"m{i}" for i in range(12)]
        await ws.send(b"".join(heartbeat(m) for m in many))
        assert [(await ws.answer())[1] for _ in many] == many
        # One call a byte at a time, with the next one's first bytes in the last write.
        data, following = heartbeat("d"), heartbeat("e")
        for i in range(len(data) - 1):
            await ws.send(data[i : i + 1])
            await asyncio.sleep(0.001)
        await ws.send(data[-1:] + following[:3])
        await ws.send(following[3:])
        assert [(await ws.answer())[1] for _ in range(2)] == ["d", "e"]
        # 126 bytes and more take the 16-bit length.
        status = '{"connectorId":1,"errorCode":"NoError","status":"Available","info":"' + "i" * 40
        await ws.send(text(f'[2,"long","StatusNotification",{status}"}}]'))
        assert (await ws.answer())[:2] == [3, "long"]
        assert server_side(steppe, "FL-1").fast_lane


async def test_frames_sent_with_the_opening_request_wait_for_its_check_and_are_answered(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """A charger that does not wait for the 101 before its first calls (one whole, one cut
    short) is answered once its credentials are checked, in order."""
    await register(api, "FL-EARLY")
    url = urlsplit(steppe.ocpp_url)
    assert url.hostname is not None and url.port is not None
    second = heartbeat("early")
    reader, writer = await raw_handshake(
        url.hostname, url.port, "FL-EARLY", then=text(BOOT) + second[:5]
    )
    ws = RawSocket(reader, writer)
    try:
        assert (await ws.answer())[2]["status"] == "Accepted"
        await ws.send(second[5:])
        assert (await ws.answer())[:2] == [3, "early"]
        assert server_side(steppe, "FL-EARLY").fast_lane
    finally:
        writer.close()


async def test_a_ping_between_calls_is_answered_and_the_lane_carries_on(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    async with booted(steppe, api, "FL-2") as ws:
        await ws.send(heartbeat("before") + frame(PING, b"are-you-there") + heartbeat("after"))
        seen = [await ws.read_frame() for _ in range(3)]
        assert (PONG, b"are-you-there") in seen
        ids = [orjson.loads(payload)[1] for opcode, payload in seen if opcode == TEXT]
        assert ids == ["before", "after"]
        assert server_side(steppe, "FL-2").fast_lane


async def test_a_fragmented_call_goes_to_the_protocol_and_is_answered(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    async with booted(steppe, api, "FL-3") as ws:
        assert server_side(steppe, "FL-3").fast_lane
        call = b'[2,"split","Heartbeat",{}]'
        await ws.send(frame(TEXT, call[:10], fin=False) + frame(CONT, call[10:]))
        assert (await ws.answer())[:2] == [3, "split"]
        await ws.send(heartbeat("next"))
        assert (await ws.answer())[:2] == [3, "next"]
        assert not server_side(steppe, "FL-3").fast_lane  # the protocol has it from here on


async def test_bad_frames_close_only_their_connection_with_the_right_code(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Text that is not UTF-8 closes with 1007 once the calls before it are answered; a protocol
    error (unmasked frame, reserved bit) closes with 1002."""
    await register(api, "FL-OK")
    cases = [
        ("FL-4", frame(TEXT, b'[2,"u","Heartbeat",{"x":"\xff\xfe"}]'), 1007),
        ("FL-5", frame(TEXT, b'[2,"m","Heartbeat",{}]', masked=False), 1002),
        ("FL-6", frame(TEXT, b'[2,"r","Heartbeat",{}]', rsv=0x40), 1002),
    ]
    async with raw_station(steppe.ocpp_url, "FL-OK") as other:
        for station_id, bad, code in cases:
            async with booted(steppe, api, station_id) as ws:
                if code == 1007:
                    await ws.send(heartbeat("fine") + bad)
                    assert (await ws.answer())[1] == "fine"
                else:
                    await ws.send(bad)
                assert await ws.close_code() == code
            assert await heartbeat_works(other)


@given(payload=st.binary(max_size=600), mask=st.binary(min_size=4, max_size=4))
def test_unmasking_is_the_byte_by_byte_xor_of_rfc_6455(payload: bytes, mask: bytes) -> None:
    """Every length (a whole number of mask repeats or not) unmasks as the RFC spells it out."""
    expected = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    assert unmask(payload, mask) == expected
    assert unmask(expected, mask) == payload
