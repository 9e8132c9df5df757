"""Opening handshakes written byte by byte on asyncio streams, from a chosen loopback address, so
a test can send hundreds at once and read exactly what the server answers."""

from __future__ import annotations

import asyncio
import base64
import os
import struct

from tests.e2e.charger import basic_auth


def opening_request(station_id: str, password: str | None, *, port: int) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    auth = "" if password is None else basic_auth(station_id, password)["Authorization"]
    return (
        f"GET /ocpp/{station_id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Protocol: ocpp1.6\r\n"
        + (f"Authorization: {auth}\r\n" if auth else "")
        + "\r\n"
    ).encode()


async def handshake_status(
    port: int,
    station_id: str,
    password: str | None,
    *,
    source: str = "127.0.0.1",
    seconds: float = 20,
) -> tuple[int, dict[str, str]]:
    """The status and headers the server answers an opening request from address `source`
    with; the connection is closed right after."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    try:
        writer.write(opening_request(station_id, password, port=port))
        async with asyncio.timeout(seconds):
            head = await reader.readuntil(b"\r\n\r\n")
    finally:
        writer.close()
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
    return int(lines[0].split()[1]), headers


def masked_frame(opcode: int, payload: bytes, *, fin: bool = True) -> bytes:
    """One masked client frame of at most 125 bytes (the first of a fragmented message if not
    `fin`)."""
    assert len(payload) <= 125
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    first = (0x80 if fin else 0) | opcode
    return struct.pack("!BB", first, 0x80 | len(payload)) + mask + body
