"""One charger's WebSocket: websockets' sans-I/O protocol, with a lane of Steppe's own for the
ordinary frame.

websockets' `ServerProtocol` (its documented sans-I/O layer) parses the opening handshake and
answers it, and decides about every frame it is given: pings, pongs, the closing handshake,
fragmented messages, every protocol error and its close code. `StationSocket` is the
`asyncio.Protocol` around it that carries the bytes, keeps the connection alive and hands
messages to the connection's reader.

The ordinary frame of an established connection (a whole, masked text or binary frame within
the size limit, a few hundred bytes) is read by Steppe itself: websockets' general parser made
the transport cost about a third more CPU per message (ADR 0014). This needs nothing but the
documented interface: Steppe cuts the byte stream into frames from the first byte
after the handshake, so whatever it passes on to the protocol is whole frames, and the
protocol's parser is between frames whenever the lane reads the next one.

- A whole data frame is unmasked and queued for the reader.
- A control frame (ping, pong, close) is passed to the protocol whole, which answers and checks
  it. After a close the rest of the connection goes to the protocol.
- Any other frame (a fragment, a continuation, reserved bits, no mask, too big, an unknown
  opcode) and everything after it go to the protocol for good, which reassembles fragments or
  fails the connection with its close code (1002, 1009).
- A text frame that is not UTF-8 fails the connection with 1007 once the reader reaches it.

Answers are framed by Steppe and written to the transport; everything else the protocol has to
send is written as soon as it has it, so the two never interleave.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, cast

from websockets.frames import CloseCode, Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.server import ServerProtocol
from websockets.typing import Subprotocol

from steppe.errors import StationNotConnected
from steppe.gateway.limits import ControlFrames, ControlVerdict

Data = str | bytes
log = logging.getLogger("steppe.gateway")

# First header byte: FIN set, no reserved bits, opcode (text, binary); second: MASK set.
_WHOLE_TEXT, _WHOLE_BINARY, _MASKED = 0x81, 0x82, 0x80
_CONTROL = 0x08  # opcodes 8-15 (close, ping, pong and reserved)
_PING = 0x09
_CONTROL_OPCODES = frozenset({Opcode.CLOSE, Opcode.PING, Opcode.PONG})
_U16, _U64 = struct.Struct("!H"), struct.Struct("!Q")
_END_OF_HEAD = b"\r\n\r\n"

# Where the bytes received go.
_HEAD = 0  # the opening handshake's request, to the protocol
_CHECK = 1  # the request is being checked; anything more waits
_LANE = 2  # frames are cut here (module docstring)
_PROTOCOL = 3  # everything to the protocol
_DEAF = 4  # nothing more is read (refused, failed or closed)


def unmask(payload: bytes, mask: bytes) -> bytes:
    """`payload` XOR the 4-byte `mask` repeated (RFC 6455 section 5.3), as one integer
    operation: about 1 µs for a frame of a few hundred bytes."""
    size = len(payload)
    key = int.from_bytes(mask * ((size + 3) >> 2)) >> (8 * (-size & 3))
    return (int.from_bytes(payload) ^ key).to_bytes(size)


class SocketClosed(StationNotConnected):
    """The WebSocket is closed: nothing more can be read from it or sent on it."""


@dataclass(frozen=True, slots=True)
class SocketTimeouts:
    """Seconds: from accept to the whole opening request (`request`) and to its answer
    (`handshake`); keepalive ping interval and pong timeout (None: no keepalive); closing."""

    request: float
    handshake: float
    ping_interval: float | None
    ping_timeout: float | None
    close: float


class Gate(Protocol):
    """Told of each accepted connection before a byte is read (False: refuse it at once) and of
    each one that ends after it was let in."""

    def enter(self, transport: asyncio.BaseTransport) -> bool: ...

    def leave(self, transport: asyncio.BaseTransport) -> None: ...


# How long a connection refused at accept may stay before it is dropped (it has its 429).
REFUSED_LINGER = 1.0


class StationSocket(asyncio.Protocol):
    """The WebSocket of one connection (module docstring); `on_request` is told of the opening
    request once it has arrived, and answers it with `respond`."""

    def __init__(
        self,
        on_request: Callable[[StationSocket, Request], None],
        *,
        subprotocols: tuple[str, ...],
        max_frame_bytes: int,
        max_queue: int,
        timeouts: SocketTimeouts,
        gate: Gate,
        controls: ControlFrames,
    ) -> None:
        self.protocol = ServerProtocol(
            subprotocols=[Subprotocol(name) for name in subprotocols],
            max_size=max_frame_bytes,
        )
        self.request: Request | None = None
        self.transport: asyncio.Transport | None = None
        self._on_request = on_request
        self._limit = max_frame_bytes
        self._high = max_queue
        self._low = max_queue // 4
        self._timeouts = timeouts
        self._gate: Gate | None = gate  # None once told of the end, or if it refused
        self._controls = controls
        self._mode = _HEAD
        self._tail = b""  # the last bytes of the request so far (its end may be cut)
        self._buffer = b""  # bytes of a frame not yet complete, or received during the check
        self._inbox: collections.deque[Data | UnicodeDecodeError] = collections.deque()
        self._fragments: list[bytes] = []
        self._fragmented_text = False
        self._reader: asyncio.Future[None] | None = None
        self._reading_paused = False
        self._writing_paused = False
        self._drained: asyncio.Future[None] | None = None
        self._loop = asyncio.get_running_loop()
        self._heard_at = self._loop.time()  # when the last bytes arrived
        self._accepted_at = self._heard_at
        self._ping: bytes | None = None  # the payload of the ping awaiting its pong
        self._timer: asyncio.TimerHandle | None = None  # handshake, keepalive or close deadline
        self._lost: asyncio.Future[None] = self._loop.create_future()

    # --- state -----------------------------------------------------------------------------

    @property
    def subprotocol(self) -> str | None:
        return self.protocol.subprotocol

    @property
    def open(self) -> bool:
        """Whether messages may be sent: the handshake is done and no close has begun."""
        return self.protocol.state is State.OPEN and not self._lost.done()

    @property
    def closed(self) -> bool:
        """Whether the TCP connection is gone."""
        return self._lost.done()

    @property
    def close_code(self) -> int | None:
        """The close code the charger sent (1006 if it sent none), once the connection is gone."""
        if not self._lost.done():
            return None
        code = self.protocol.close_code
        return CloseCode.ABNORMAL_CLOSURE if code is None else code

    @property
    def fast_lane(self) -> bool:
        """Whether whole data frames are read by the lane (False before the handshake is done
        and after the connection went to the protocol)."""
        return self._mode == _LANE

    async def wait_closed(self) -> None:
        await asyncio.shield(self._lost)

    # --- asyncio.Protocol ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport (uvloop's do not derive from asyncio's classes, so no isinstance).
        self.transport = cast(asyncio.Transport, transport)
        self._accepted_at = self._loop.time()
        gate = self._gate
        if gate is not None and not gate.enter(transport):
            self._gate = None
            self._mode = _DEAF
            self.respond(self.reject(429, "too many connections from this address\n"))
            self._cancel_timer()
            self._timer = self._loop.call_later(REFUSED_LINGER, self.transport.abort)
            return
        first = min(self._timeouts.request, self._timeouts.handshake)
        self._timer = self._loop.call_later(first, self._handshake_expired)

    def data_received(self, data: bytes) -> None:
        self._heard_at = self._loop.time()
        mode = self._mode
        if mode == _LANE:
            self._cut(self._buffer + data if self._buffer else data)
        elif mode == _PROTOCOL:
            self._to_protocol(data)
        elif mode == _HEAD:
            self._head(data)
        elif mode == _CHECK:
            # A client should wait for the answer; what it sends early waits with it.
            self._buffer += data
            self._pause_reading()

    def eof_received(self) -> bool | None:
        self.protocol.receive_eof()
        self._flush()
        return None  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self._mode = _DEAF
        gate, self._gate = self._gate, None
        if gate is not None and self.transport is not None:
            gate.leave(self.transport)
        self.protocol.receive_eof()
        self.protocol.data_to_send()  # nowhere to send it
        self._cancel_timer()
        if not self._lost.done():
            self._lost.set_result(None)
        self._wake()
        drained = self._drained
        if drained is not None and not drained.done():
            drained.set_result(None)

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        drained = self._drained
        if drained is not None and not drained.done():
            drained.set_result(None)

    # --- the opening handshake -------------------------------------------------------------

    def _head(self, data: bytes) -> None:
        """Pass the request to the protocol, and nothing after it."""
        seen = self._tail + data
        end = seen.find(_END_OF_HEAD)
        if end < 0:
            self._tail = seen[-3:]
            self._to_protocol(data)
            return
        cut = end + len(_END_OF_HEAD) - len(self._tail)
        self._mode = _CHECK
        # The request is in: from now on the deadline is the server's, for checking it.
        self._cancel_timer()
        self._timer = self._loop.call_at(
            self._accepted_at + self._timeouts.handshake, self._handshake_expired
        )
        if cut < len(data):
            self._buffer = data[cut:]
            self._pause_reading()
        self._to_protocol(data[:cut])

    def _handshake_expired(self) -> None:
        self._timer = None
        if self.protocol.state is State.CONNECTING and self.transport is not None:
            log.info("dropped a client that did not finish the opening handshake in time")
            self._mode = _DEAF
            self.transport.abort()

    def reject(self, status: int, text: str) -> Response:
        """A refusal to send with `respond`: the status, and `text` as the body."""
        return self.protocol.reject(status, text)

    def accept(self) -> Response:
        """The protocol's answer to the request: 101, or a refusal if the request is not a
        valid WebSocket upgrade."""
        assert self.request is not None
        return self.protocol.accept(self.request)

    def respond(self, response: Response) -> bool:
        """Send the answer to the opening request; True if the connection is now open."""
        if self.closed or self.protocol.state is not State.CONNECTING:
            return False
        self._cancel_timer()
        self.protocol.send_response(response)
        self._flush()
        if response.status_code != 101:  # the protocol has sent its end of stream
            self._mode = _DEAF
            self._buffer = b""
            return False
        self._mode = _LANE
        self._keep_alive()
        early, self._buffer = self._buffer, b""
        if early:
            self._cut(early)
        self._resume_reading()
        return True

    # --- incoming frames -------------------------------------------------------------------

    def _cut(self, buffer: bytes) -> None:
        """Read whole frames from `buffer`; keep an incomplete one for the next bytes."""
        size = len(buffer)
        at = 0
        limit = self._limit
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
            if whole and length > limit:
                whole = False  # the protocol refuses it with 1009
            if not whole and not (first & _CONTROL and second & _MASKED and length <= 125):
                self._hand_over(buffer[at:])
                return
            end = start + 4 + length
            if size < end:
                break
            if not whole:  # a control frame: the protocol answers and checks it
                verdict = self._controls.admit(
                    ping=first & 0x0F == _PING, writing_paused=self._writing_paused
                )
                if verdict is ControlVerdict.FAIL:
                    self._too_many_controls()
                    return
                if verdict is ControlVerdict.ANSWER:
                    self._to_protocol(buffer[at:end])
                at = end
                if self.protocol.state is not State.OPEN:
                    self._hand_over(buffer[at:])
                    return
                continue
            payload = unmask(buffer[start + 4 : end], buffer[start : start + 4])
            at = end
            if first == _WHOLE_TEXT:
                try:
                    self._deliver(payload.decode())
                except UnicodeDecodeError as exc:
                    self._deliver(exc)
                    self._mode = _DEAF
                    self._buffer = b""
                    return
            else:
                self._deliver(payload)
        self._buffer = buffer[at:] if at else buffer

    def _too_many_controls(self) -> None:
        log.warning("closed a connection that sends control frames past their rate limit")
        self._mode = _DEAF
        self._buffer = b""
        if self.protocol.state is State.OPEN:
            self.protocol.data_to_send()  # pongs the protocol owes the flood: never sent
            self.protocol.fail(CloseCode.POLICY_VIOLATION, "control frame rate limit exceeded")
            self._flush()

    def _hand_over(self, rest: bytes) -> None:
        """Everything from `rest` on goes to the protocol."""
        self._mode = _PROTOCOL
        self._buffer = b""
        if rest:
            self._to_protocol(rest)

    def _to_protocol(self, data: bytes) -> None:
        protocol = self.protocol
        protocol.receive_data(data)
        for event in protocol.events_received():
            if type(event) is Frame:
                self._frame(event)
            elif type(event) is Request:
                self.request = event
                self._on_request(self, event)
        self._flush()

    def _frame(self, frame: Frame) -> None:
        """A frame the protocol has read: data to assemble, or the pong to a keepalive ping."""
        opcode = frame.opcode
        if self._mode == _PROTOCOL and opcode in _CONTROL_OPCODES:
            # The lane admits the control frames it reads; after a hand-over they are counted
            # here, once the protocol has read a whole chunk (its pongs are not yet sent).
            verdict = self._controls.admit(ping=opcode is Opcode.PING, writing_paused=False)
            if verdict is ControlVerdict.FAIL:
                self._too_many_controls()
                return
        if opcode is Opcode.PONG:
            if self._ping is not None and frame.data == self._ping:
                self._ping = None
                self._keep_alive()
            return
        if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
            self._fragments = [bytes(frame.data)]
            self._fragmented_text = opcode is Opcode.TEXT
        elif opcode is Opcode.CONT:
            self._fragments.append(bytes(frame.data))
        else:
            return  # ping and close: the protocol answered them
        if not frame.fin:
            return
        message = b"".join(self._fragments)
        self._fragments = []
        if not self._fragmented_text:
            self._deliver(message)
            return
        try:
            self._deliver(message.decode())
        except UnicodeDecodeError as exc:
            self._deliver(exc)
            self._mode = _DEAF

    def _deliver(self, message: Data | UnicodeDecodeError) -> None:
        inbox = self._inbox
        inbox.append(message)
        if len(inbox) > self._high:
            self._pause_reading()
        self._wake()

    def _pause_reading(self) -> None:
        if not self._reading_paused and self.transport is not None:
            self._reading_paused = True
            self.transport.pause_reading()

    def _resume_reading(self) -> None:
        if self._reading_paused and self.transport is not None and not self.closed:
            self._reading_paused = False
            self.transport.resume_reading()

    def _wake(self) -> None:
        reader = self._reader
        if reader is not None and not reader.done():
            reader.set_result(None)

    async def next_message(self) -> Data:
        """The next message, in order; raise SocketClosed once all are read and the connection
        is closed (or failed: a text message that is not UTF-8 fails it with 1007)."""
        while True:
            inbox = self._inbox
            if inbox:
                message = inbox.popleft()
                if isinstance(message, UnicodeDecodeError):
                    reason = f"{message.reason} at position {message.start}"
                    raise await self._fail(CloseCode.INVALID_DATA, reason)
                if self._reading_paused and len(inbox) <= self._low and self._mode != _DEAF:
                    self._resume_reading()
                return message
            if self._lost.done():
                raise SocketClosed("the connection is closed")
            self._reader = self._loop.create_future()
            try:
                await self._reader
            finally:
                self._reader = None

    # --- outgoing --------------------------------------------------------------------------

    async def send_text(self, text: str) -> None:
        """Send `text` as one text frame; raise SocketClosed if the connection is not open."""
        if self._writing_paused and not self.closed:
            self._drained = self._loop.create_future()
            try:
                await self._drained
            finally:
                self._drained = None
        transport = self.transport
        if transport is None or not self.open:
            raise SocketClosed("the connection is closed")
        payload = text.encode()
        length = len(payload)
        if length < 126:
            header = bytes((_WHOLE_TEXT, length))
        elif length < 65536:
            header = bytes((_WHOLE_TEXT, 126)) + _U16.pack(length)
        else:
            header = bytes((_WHOLE_TEXT, 127)) + _U64.pack(length)
        transport.write(header + payload)

    def _flush(self) -> None:
        """Write what the protocol has to send; at its end of stream, end the TCP connection
        (half-closed where possible, so the client closes it; aborted after the close timeout
        if it does not)."""
        transport = self.transport
        for data in self.protocol.data_to_send():
            if transport is None or self.closed:
                continue
            if data:
                transport.write(data)
                continue
            if transport.can_write_eof():
                transport.write_eof()
            else:
                transport.close()
            self._cancel_timer()
            self._timer = self._loop.call_later(self._timeouts.close, transport.abort)

    async def close(self, code: int = CloseCode.NORMAL_CLOSURE, reason: str = "") -> None:
        """Close with `code` and wait for the connection to end (at most the close timeout
        after the charger stops answering)."""
        if self.protocol.state is State.OPEN and not self.closed:
            self.protocol.send_close(code, reason)
            self._flush()
            self._cancel_timer()
            if self.transport is not None:
                self._timer = self._loop.call_later(self._timeouts.close, self.transport.abort)
        elif self.protocol.state is State.CONNECTING and self.transport is not None:
            self.transport.abort()
        if self.transport is None:  # never connected (its TLS handshake failed): nothing to wait
            return
        await self.wait_closed()

    def abort(self) -> None:
        """Drop the TCP connection at once, without a closing handshake."""
        if self.transport is not None:
            self.transport.abort()

    async def _fail(self, code: int, reason: str) -> SocketClosed:
        """Fail the connection with `code` (the protocol closes it); the error to raise."""
        self._inbox.clear()
        self._mode = _DEAF
        if self.protocol.state is State.OPEN and not self.closed:
            self.protocol.fail(code, reason)
            self._flush()
        await self.wait_closed()
        return SocketClosed(f"closed with {code}: {reason}")

    # --- keepalive -------------------------------------------------------------------------

    def _keep_alive(self) -> None:
        """Check again one ping interval after the charger was last heard from."""
        self._cancel_timer()
        interval = self._timeouts.ping_interval
        if interval is not None:
            self._timer = self._loop.call_at(self._heard_at + interval, self._tick)

    def _tick(self) -> None:
        """A charger that sent something within the interval is there; one that did not is
        pinged, and failed (1011) if no pong comes back within the ping timeout."""
        self._timer = None
        interval, timeout = self._timeouts.ping_interval, self._timeouts.ping_timeout
        if not self.open or interval is None:
            return
        if self._loop.time() < self._heard_at + interval:
            self._keep_alive()
            return
        self._ping = os.urandom(4)
        self.protocol.send_ping(self._ping)
        self._flush()
        if timeout is not None:
            self._timer = self._loop.call_later(timeout, self._no_pong)

    def _no_pong(self) -> None:
        self._timer = None
        if self.open:
            log.info("no pong within %s s: closing the connection", self._timeouts.ping_timeout)
            self._mode = _DEAF
            self.protocol.fail(CloseCode.INTERNAL_ERROR, "keepalive ping timeout")
            self._flush()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
