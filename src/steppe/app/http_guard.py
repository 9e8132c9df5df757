"""The HTTP port's transport guard: a deadline for each request's headers and a cap on the
connections one address may hold, around the HTTP/1.1 protocol uvicorn speaks.

Uvicorn has no setting for how long a client may take to send a request's headers: a client
that sends one byte a second holds its connection (and a place under `limit_concurrency`)
for as long as it likes. Uvicorn takes the protocol class to serve with (`uvicorn.Config(http=
...)`); `guarded_protocol` makes one that wraps uvicorn's h11 protocol, passes every byte on
unchanged, and follows the stream of requests just far enough to know when one's headers
begin and end (ADR 0018):

- a new connection, and each request after the first on a kept-alive connection from its
  first byte, must finish its headers (up to the blank line) within `header_timeout` seconds,
  or the connection is closed;
- the body is followed by `Content-Length` or by its chunks, so the next request's headers are
  recognised; bodies themselves are bounded by the API's own guard (`api/guard.py`);
- an address past `max_per_address` open connections has the next one closed at once.

A response may take as long as it takes (event streams last hours): only what the client owes
is timed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("steppe.http")
HEAD_END = b"\r\n\r\n"
# Headers larger than this are refused by the protocol itself; we stop looking past it.
MAX_HEAD = 64 * 1024
MAX_CHUNK_LINE = 1024


class RequestFraming:
    """Where a client is in its stream of HTTP/1.1 requests: in a head, or in a body (counted by
    length or by chunks). `feed` returns whether a head is under way after these bytes and
    whether one was completed by them."""

    __slots__ = ("_buffer", "_left", "_state", "head_started")

    def __init__(self) -> None:
        self._state = "head"
        self._buffer = b""
        self._left = 0
        self.head_started = False

    @property
    def lost(self) -> bool:
        """True once the stream could not be followed (the protocol closes such connections)."""
        return self._state == "lost"

    def feed(self, data: bytes) -> bool:
        """Follow `data`; True when a request's head was completed in it."""
        completed = False
        while data and self._state != "lost":
            if self._state == "head":
                self.head_started = True
                self._buffer += data
                end = self._buffer.find(HEAD_END)
                if end < 0:
                    if len(self._buffer) > MAX_HEAD:
                        self._state = "lost"
                    return completed
                head, data = self._buffer[:end], self._buffer[end + len(HEAD_END) :]
                self._buffer = b""
                self.head_started = False
                completed = True
                self._start_body(head)
            elif self._state == "length":
                taken = min(self._left, len(data))
                self._left -= taken
                data = data[taken:]
                if self._left == 0:
                    self._state = "head"
            else:
                data = self._chunks(data)
        return completed

    def _start_body(self, head: bytes) -> None:
        length = 0
        chunked = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                try:
                    length = int(value.strip())
                except ValueError:
                    self._state = "lost"
                    return
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"upgrade":
                self._state = "lost"  # not served on this port; the protocol refuses it
                return
        if chunked:
            self._state = "size"
        elif length > 0:
            self._state, self._left = "length", length
        else:
            self._state = "head"

    def _chunks(self, data: bytes) -> bytes:
        """Consume chunked body framing; what is left belongs to the next request."""
        if self._state == "data":
            taken = min(self._left, len(data))
            self._left -= taken
            if self._left == 0:
                self._state, self._left = "crlf", 2
            return data[taken:]
        if self._state == "crlf":
            taken = min(self._left, len(data))
            self._left -= taken
            if self._left == 0:
                self._state = "size"
            return data[taken:]
        # "size" or "trailers": whole lines
        self._buffer += data
        end = self._buffer.find(b"\r\n")
        if end < 0:
            longest = MAX_CHUNK_LINE if self._state == "size" else MAX_HEAD
            if len(self._buffer) > longest:
                self._state = "lost"
            return b""
        line, rest = self._buffer[:end], self._buffer[end + 2 :]
        self._buffer = b""
        if self._state == "trailers":
            if not line:
                self._state = "head"
            return rest
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            self._state = "lost"
            return b""
        if size == 0:
            self._state = "trailers"
        else:
            self._state, self._left = "data", size
        return rest


class AddressCounter:
    """Open connections per client address on the HTTP port."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[str, int] = {}

    def enter(self, address: str) -> bool:
        """Count a new connection; False (and not counted) when the address is at its limit."""
        count = self._open.get(address, 0)
        if count >= self.limit:
            return False
        self._open[address] = count + 1
        return True

    def leave(self, address: str) -> None:
        count = self._open.get(address, 0) - 1
        if count <= 0:
            self._open.pop(address, None)
        else:
            self._open[address] = count


def guarded_protocol(
    *, header_timeout: float, connections: AddressCounter
) -> type[asyncio.Protocol]:
    """A protocol class for `uvicorn.Config(http=...)`: uvicorn's h11 protocol behind a header
    deadline and a per-address connection cap."""

    class GuardedHttp(asyncio.Protocol):
        def __init__(self, **kwargs: Any) -> None:
            self._inner = H11Protocol(**kwargs)
            self._loop = asyncio.get_running_loop()
            self._framing = RequestFraming()
            self._timer: asyncio.TimerHandle | None = None
            self._transport: asyncio.Transport | None = None
            self._address: str | None = None

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            # A stream transport (uvloop's is not a subclass of asyncio.Transport).
            transport = cast(asyncio.Transport, transport)
            self._transport = transport
            peer = transport.get_extra_info("peername")
            address = str(peer[0]) if peer else "?"
            if not connections.enter(address):
                log.warning(
                    "refused an HTTP connection from %s: %d open", address, connections.limit
                )
                transport.abort()
                return
            self._address = address
            self._arm()
            self._inner.connection_made(transport)

        def _arm(self) -> None:
            if self._timer is None:
                self._timer = self._loop.call_later(header_timeout, self._too_slow)

        def _disarm(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

        def _too_slow(self) -> None:
            self._timer = None
            if self._transport is not None and not self._transport.is_closing():
                log.info(
                    "closed an HTTP connection from %s: no complete headers in %g s",
                    self._address,
                    header_timeout,
                )
                self._transport.abort()

        def data_received(self, data: bytes) -> None:
            if self._address is None:
                return
            framing = self._framing
            if not framing.lost:
                if framing.feed(data):
                    self._disarm()
                if framing.head_started:
                    self._arm()
                elif framing.lost:
                    self._disarm()
            self._inner.data_received(data)

        def eof_received(self) -> bool | None:
            if self._address is None:
                return None
            return self._inner.eof_received()  # type: ignore[func-returns-value]

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            if self._address is None:
                return
            connections.leave(self._address)
            self._address = None
            self._inner.connection_lost(exc)

        def pause_writing(self) -> None:
            self._inner.pause_writing()

        def resume_writing(self) -> None:
            self._inner.resume_writing()

    return GuardedHttp
