"""A lean WebSocket client (RFC 6455) and the simulated charger's link over it, for load runs.

The load generator shares the machine's cores with the server it measures, so every microsecond
it spends on a message is taken from that server. This client does only what a charger's side
of OCPP-J needs: one HTTP upgrade with a subprotocol and headers, masked frames out, whole or
fragmented frames in, pings answered, a clean close; plain ws:// only. It speaks to any server,
not only Steppe (the benchmark's peers are driven by it alike).

`LeanLink` carries one call at a time and reads the answer in the caller's own task: no reader
task, no future per call. A call the server makes in between is answered while waiting.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import struct
from collections import deque
from typing import Any, cast
from urllib.parse import urlsplit

import orjson

from steppe.errors import SteppeError
from steppe.simulator.link import CallRefused, ServerCallHandler, answer_server_call, basic_auth

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
MAX_HANDSHAKE = 16 * 1024
MAX_MESSAGE = 16 * 1024 * 1024


class HandshakeFailed(SteppeError, ConnectionError):
    """The server did not switch protocols (status and reason in the message)."""


class ConnectionClosed(SteppeError, ConnectionError):
    """The connection is closed; `code` is the close code received (1006 when none was)."""

    def __init__(self, code: int, reason: str = "") -> None:
        super().__init__(f"connection closed: {code} {reason}".strip())
        self.code = code


def masked(payload: bytes, mask: bytes) -> bytes:
    """`payload` XOR the 4-byte `mask` repeated (RFC 6455 section 5.3), as one integer
    operation (the gateway unmasks the same way)."""
    size = len(payload)
    key = int.from_bytes(mask * ((size + 3) >> 2)) >> (8 * (-size & 3))
    return (int.from_bytes(payload) ^ key).to_bytes(size)


def frame(opcode: int, payload: bytes) -> bytes:
    """One final, masked frame as a client must send it."""
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return head + mask + masked(payload, mask)


class ClientSocket(asyncio.Protocol):
    """One connection: `send`, `recv` and `close` as a charger uses them."""

    def __init__(self, key: bytes, subprotocol: str | None) -> None:
        self.transport: asyncio.Transport | None = None
        self.subprotocol = subprotocol
        self._accept = base64.b64encode(hashlib.sha1(key + GUID, usedforsecurity=False).digest())
        loop = asyncio.get_running_loop()
        self._opened: asyncio.Future[None] = loop.create_future()
        self._lost: asyncio.Future[None] = loop.create_future()
        self._head: bytearray | None = bytearray()  # None once the handshake is done
        self._buffer = bytearray()
        self._parts: list[bytes] = []
        self._messages: deque[bytes] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._closed: ConnectionClosed | None = None

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        if self._head is not None:
            self._head += data
            end = self._head.find(b"\r\n\r\n")
            if end < 0:
                if len(self._head) > MAX_HANDSHAKE:
                    self._fail_open(HandshakeFailed("response headers too long"))
                return
            head, rest = bytes(self._head[:end]), bytes(self._head[end + 4 :])
            self._head = None
            error = self._check_response(head)
            if error is not None:
                self._fail_open(error)
                return
            if not self._opened.done():
                self._opened.set_result(None)
            data = rest
        self._buffer += data
        self._parse()

    def connection_lost(self, exc: Exception | None) -> None:
        self._shut(ConnectionClosed(1006, str(exc) if exc else "no close frame"))
        if not self._opened.done():
            self._opened.set_exception(HandshakeFailed("connection lost during the handshake"))
        if not self._lost.done():
            self._lost.set_result(None)

    # handshake

    def _check_response(self, head: bytes) -> HandshakeFailed | None:
        lines = head.decode("latin-1").split("\r\n")
        status = lines[0].split(" ", 2)
        if len(status) < 2 or status[1] != "101":
            return HandshakeFailed(f"server answered {lines[0]!r}")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("sec-websocket-accept", "").encode() != self._accept:
            return HandshakeFailed("wrong Sec-WebSocket-Accept")
        if self.subprotocol is not None and headers.get("sec-websocket-protocol") != (
            self.subprotocol
        ):
            return HandshakeFailed(f"subprotocol {headers.get('sec-websocket-protocol')!r}")
        return None

    def start(self, request: bytes) -> None:
        """Send the upgrade request."""
        self._write(request)

    async def opened(self) -> None:
        """Wait for the server to switch protocols; HandshakeFailed when it does not."""
        await self._opened

    def abort(self) -> None:
        """Drop the connection at once, without a close frame."""
        if self.transport is not None:
            self.transport.abort()

    def _fail_open(self, error: HandshakeFailed) -> None:
        if not self._opened.done():
            self._opened.set_exception(error)
        if self.transport is not None:
            self.transport.abort()

    # frames in

    def _parse(self) -> None:
        buf = self._buffer
        pos = 0
        size = len(buf)
        while size - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            n = b1 & 0x7F
            start = pos + 2
            if n == 126:
                if size - start < 2:
                    break
                n = int.from_bytes(buf[start : start + 2], "big")
                start += 2
            elif n == 127:
                if size - start < 8:
                    break
                n = int.from_bytes(buf[start : start + 8], "big")
                start += 8
            if b1 & 0x80 or b0 & 0x70 or n > MAX_MESSAGE:  # servers never mask; no extensions
                self._protocol_error()
                return
            if size - start < n:
                break
            payload = bytes(buf[start : start + n])
            pos = start + n
            self._frame(b0 & 0x80, b0 & 0x0F, payload)
            if self._closed is not None:
                return
        if pos:
            del buf[:pos]

    def _frame(self, fin: int, opcode: int, payload: bytes) -> None:
        if opcode in (OP_TEXT, OP_BINARY, OP_CONT):
            if (opcode == OP_CONT) != bool(self._parts):  # a new message mid-message, or no start
                self._protocol_error()
                return
            if not fin or self._parts:
                self._parts.append(payload)
                if not fin:
                    return
                payload, self._parts = b"".join(self._parts), []
            self._messages.append(payload)
            waiter = self._waiter
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
        elif opcode == OP_PING:
            self._write(frame(OP_PONG, payload))
        elif opcode == OP_CLOSE:
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            if self._closed is None:
                self._write(frame(OP_CLOSE, payload[:2]))
            self._shut(ConnectionClosed(code, payload[2:].decode("utf-8", "replace")))
            if self.transport is not None:
                self.transport.close()
        elif opcode != OP_PONG:
            self._protocol_error()

    def _protocol_error(self) -> None:
        self._write(frame(OP_CLOSE, (1002).to_bytes(2, "big")))
        self._shut(ConnectionClosed(1002, "protocol error"))
        if self.transport is not None:
            self.transport.close()

    def _shut(self, closed: ConnectionClosed) -> None:
        if self._closed is None:
            self._closed = closed
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    # the charger's side

    async def send(self, message: bytes, text: bool = True) -> None:
        self.write_message(message, text)

    def write_message(self, message: bytes, text: bool = True) -> None:
        """Send one message now (a client's writes never wait: the transport buffers them)."""
        if self._closed is not None:
            raise self._closed
        self._write(frame(OP_TEXT if text else OP_BINARY, message))

    async def recv(self) -> bytes:
        """The next whole message's bytes (text is left undecoded)."""
        while not self._messages:
            if self._closed is not None:
                raise self._closed
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._messages.popleft()

    async def close(self, code: int = 1000) -> None:
        """Send a close frame and wait for the server to close the TCP connection."""
        if self._closed is None:
            self._write(frame(OP_CLOSE, code.to_bytes(2, "big")))
            self._closed = ConnectionClosed(code, "closed by the client")
        await asyncio.shield(self._lost)


async def connect(
    url: str,
    *,
    subprotocol: str | None = None,
    headers: dict[str, str] | None = None,
    open_timeout: float = 10.0,
) -> ClientSocket:
    """Open a ws:// connection and complete the upgrade; raise HandshakeFailed otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "ws" or parts.hostname is None:
        raise ValueError(f"only ws:// URLs: {url}")
    host, port = parts.hostname, parts.port or 80
    path = parts.path or "/"
    key = base64.b64encode(os.urandom(16))
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key.decode()}",
        "Sec-WebSocket-Version: 13",
    ]
    if subprotocol is not None:
        lines.append(f"Sec-WebSocket-Protocol: {subprotocol}")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(open_timeout):
        _, protocol = await loop.create_connection(
            lambda: ClientSocket(key, subprotocol), host, port
        )
        protocol.start(request)
        try:
            await protocol.opened()
        except BaseException:
            protocol.abort()
            raise
    return protocol


CALL, CALLRESULT = 2, 3


class LeanLink:
    """A simulated charger's link over the lean client: `call()` sends one CALL and reads until
    its answer arrives, in the caller's task. Only one call may be outstanding at a time."""

    __slots__ = ("_on_call", "socket")

    def __init__(self, socket: ClientSocket, on_call: ServerCallHandler) -> None:
        self.socket = socket
        self._on_call = on_call

    @classmethod
    async def open(
        cls,
        url: str,
        station_id: str,
        password: str | None,
        subprotocol: str,
        on_call: ServerCallHandler,
        *,
        open_timeout: float = 10,
    ) -> LeanLink:
        headers = None if password is None else {"Authorization": basic_auth(station_id, password)}
        socket = await connect(
            f"{url.rstrip('/')}/{station_id}",
            subprotocol=subprotocol,
            headers=headers,
            open_timeout=open_timeout,
        )
        return cls(socket, on_call)

    async def call(self, message_id: str, action: str, payload: dict[str, Any]) -> Any:
        """The CALLRESULT payload; CallRefused on a CALLERROR, ConnectionClosed when it ends."""
        socket = self.socket
        socket.write_message(orjson.dumps([CALL, message_id, action, payload]))
        while True:
            frame = orjson.loads(await socket.recv())
            kind = frame[0]
            if kind == CALL:  # the server asks something in between: answer, keep waiting
                text = await answer_server_call(self._on_call, frame[1], frame[2], frame[3])
                socket.write_message(text.encode())
                continue
            if frame[1] != message_id:
                continue
            if kind == CALLRESULT:
                return frame[2]
            raise CallRefused(action, frame[2], frame[3])

    async def close(self) -> None:
        await self.socket.close()

    def abort(self) -> None:
        self.socket.abort()
