"""A shorter path for the ordinary messages of an established charger connection.

websockets handles every connection completely: the opening handshake, control frames, the
closing handshake, fragmented messages and every kind of protocol error. For the ordinary case
(a whole, masked text or binary frame within the size limit, in either direction) it still runs
its general machinery per message: a generator-based parser, an assembler with futures, an async
context manager around each send. Profiles under load put that at over a third of the event
loop's time (docs/performance.md).

`OcppServerConnection` is websockets' `ServerConnection` with a fast lane for that case only:

- Incoming: once the connection is open and websockets' parser is idle at a frame boundary, each
  whole masked data frame is unmasked and queued for `next_message` directly. A control frame
  (ping, pong, close) is handed to websockets' own parser as it arrived, whole, so it is answered
  and checked exactly as before. Anything else (a fragment, reserved bits, an unmasked or
  oversized frame, a close) hands the rest of the connection to websockets, permanently.
- Outgoing: `send_text` writes the frame to the transport when the connection is open and its
  write buffer is under its limit; otherwise it calls websockets' `send`, which waits.

Where websockets' internals are not as expected (another version), the fast lane simply never
opens and the connection is websockets' alone.
"""

from __future__ import annotations

import asyncio
import collections
import struct
from typing import Any, NoReturn

from websockets.asyncio.server import ServerConnection
from websockets.frames import CloseCode
from websockets.protocol import State
from websockets.streams import StreamReader

try:
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - the C extension ships in websockets' wheels
    from websockets.utils import apply_mask

Data = str | bytes
TEXT, BINARY = 0x1, 0x2
# First header byte: FIN set, no reserved bits, opcode; second: MASK set.
_WHOLE_TEXT, _WHOLE_BINARY, _MASKED = 0x80 | TEXT, 0x80 | BINARY, 0x80
_CONTROL = 0x08  # opcodes 8-15 (close, ping, pong and reserved)
_U16, _U64 = struct.Struct("!H"), struct.Struct("!Q")
_AT_EOF = StreamReader.at_eof.__code__


def _websockets_idle(connection: ServerConnection) -> bool:
    """Whether websockets' parser waits at a frame boundary with nothing buffered, so the next
    byte received starts a frame (the parser is a stack of generators; the innermost one is
    `StreamReader.at_eof` between frames)."""
    protocol: Any = connection.protocol
    if protocol.state is not State.OPEN or protocol.reader.buffer:
        return False
    generator = protocol.parser
    while (inner := getattr(generator, "gi_yieldfrom", None)) is not None:
        generator = inner
    return getattr(generator, "gi_code", None) is _AT_EOF


class OcppServerConnection(ServerConnection):
    """websockets' server connection with a fast lane for whole data frames (module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fast = False  # incoming frames are parsed here
        self._given_up = False  # websockets has the rest of the connection
        self._poisoned = False  # a text frame was not UTF-8: nothing more is read
        self._buffer = b""
        self._inbox: collections.deque[Data | UnicodeDecodeError] = collections.deque()
        self._waiter: asyncio.Future[None] | None = None
        self._reading_paused = False
        high = self.max_queue_high or 16
        self._high = high
        self._low = self.max_queue_low if self.max_queue_low is not None else high // 4
        limit = self.protocol.max_message_size
        self._limit = limit if limit is not None else 2**63

    @property
    def fast_lane(self) -> bool:
        """Whether whole data frames are read here (False before the lane opens, after it is
        handed back to websockets, and for the rest of the connection after that)."""
        return self._fast

    # --- incoming --------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._poisoned:
            return
        if not self._fast and (self._given_up or not self._open_lane()):
            super().data_received(data)
            self._wake()
            return
        self._buffer = self._buffer + data if self._buffer else data
        self._parse()

    def _open_lane(self) -> bool:
        """Open the fast lane if websockets is idle between frames and holds no message."""
        if self.request is None or len(self.recv_messages.frames) or not _websockets_idle(self):
            return False
        self._fast = True
        return True

    def _parse(self) -> None:
        buffer = self._buffer
        size = len(buffer)
        at = 0
        while size - at >= 2:
            first, second = buffer[at], buffer[at + 1]
            length = second & 0x7F
            start = at + 2
            if length == 126:
                if size - start < 2:
                    break
                length = _U16.unpack_from(buffer, start)[0]
                start += 2
            elif length == 127:
                if size - start < 8:
                    break
                length = _U64.unpack_from(buffer, start)[0]
                start += 8
            whole = first in (_WHOLE_TEXT, _WHOLE_BINARY) and second & _MASKED
            if whole and length > self._limit:
                whole = False  # websockets refuses it with 1009
            if not whole and not (first & _CONTROL and second & _MASKED and length <= 125):
                self._give_up(buffer[at:])
                return
            end = start + 4 + length
            if size < end:
                break
            if not whole:  # a control frame: websockets answers and checks it
                self._fast = False
                super().data_received(buffer[at:end])
                at = end
                if self.protocol.state is not State.OPEN or not _websockets_idle(self):
                    self._give_up(buffer[at:])
                    return
                self._fast = True
                continue
            payload = apply_mask(buffer[start + 4 : end], buffer[start : start + 4])
            at = end
            if first == _WHOLE_TEXT:
                try:
                    self._deliver(payload.decode())
                except UnicodeDecodeError as exc:
                    # As websockets does: the messages before it are still read, then the
                    # connection is closed with 1007 when the reader reaches this one.
                    self._deliver(exc)
                    self._fast = False
                    self._given_up = True
                    self._poisoned = True
                    self._buffer = b""
                    return
            else:
                self._deliver(payload)
        self._buffer = buffer[at:] if at else buffer

    def _deliver(self, message: Data | UnicodeDecodeError) -> None:
        inbox = self._inbox
        inbox.append(message)
        if len(inbox) > self._high and not self._reading_paused:
            self._reading_paused = True
            self.transport.pause_reading()
        self._wake()

    def _give_up(self, rest: bytes) -> None:
        """Hand the connection, from `rest` on, to websockets for good."""
        self._fast = False
        self._given_up = True
        self._buffer = b""
        if rest:
            super().data_received(rest)
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self._wake()

    async def next_message(self) -> Data:
        """The next message, in order; raise ConnectionClosed once they are all read and the
        connection is closed."""
        while True:
            inbox = self._inbox
            if inbox:
                message = inbox.popleft()
                if isinstance(message, UnicodeDecodeError):
                    await self._refuse_text(message)
                if self._reading_paused and len(inbox) <= self._low:
                    self._reading_paused = False
                    self.transport.resume_reading()
                return message
            if (
                self._given_up
                or self.protocol.state is not State.OPEN
                or len(self.recv_messages.frames)
            ):
                return await self.recv()
            self._waiter = self.loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    async def _refuse_text(self, exc: UnicodeDecodeError) -> NoReturn:
        """Close with 1007 and raise ConnectionClosed, as websockets' `recv` does."""
        self._inbox.clear()
        self._poisoned = False  # websockets' parser discards what comes after the failure
        self.protocol.fail(CloseCode.INVALID_DATA, f"{exc.reason} at position {exc.start}")
        self.send_data()
        await asyncio.shield(self.connection_lost_waiter)
        raise self.close_exc

    # --- outgoing --------------------------------------------------------------------------

    async def send_text(self, text: str) -> None:
        """Send `text` as one text frame; raise ConnectionClosed when the connection is gone."""
        if self.protocol.state is not State.OPEN or self.paused:
            await self.send(text)
            return
        payload = text.encode()
        length = len(payload)
        if length < 126:
            header = bytes((_WHOLE_TEXT, length))
        elif length < 65536:
            header = bytes((_WHOLE_TEXT, 126)) + _U16.pack(length)
        else:
            header = bytes((_WHOLE_TEXT, 127)) + _U64.pack(length)
        try:
            self.transport.write(header + payload)
        except Exception as exc:  # the transport failed: close it and report, as `send` does
            self.set_connection_exc(exc)
            self.transport.abort()
            await asyncio.shield(self.connection_lost_waiter)
            raise self.close_exc from exc
