"""The simulated charger's end of the OCPP-J link over `websockets`: send calls, await answers,
serve the server's calls. Any server (TLS included); the frames are the core's codec."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.typing import Subprotocol

from steppe.errors import SteppeError
from steppe.ocpp.rpc import (
    Call,
    CallError,
    CallResult,
    FrameError,
    encode_call,
    encode_error,
    encode_result,
    parse_frame,
)

log = logging.getLogger("steppe.simulator")

ServerCallHandler = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


class CallRefused(SteppeError):
    """The server answered one of the charger's calls with a CALLERROR."""

    def __init__(self, action: str, code: str, description: str) -> None:
        super().__init__(f"{action}: {code} {description}".strip())
        self.action = action
        self.code = code


class Transport(Protocol):
    """What a charger needs of its connection. A lost connection raises ConnectionError (an
    OSError); a CALLERROR raises CallRefused."""

    async def call(self, message_id: str, action: str, payload: dict[str, Any]) -> Any: ...
    async def close(self) -> None: ...
    def abort(self) -> None: ...


def basic_auth(user: str, password: str) -> str:
    """The `Authorization` header's value for HTTP Basic auth (security profile 1)."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def answer_server_call(
    on_call: ServerCallHandler, message_id: str, action: str, payload: dict[str, Any]
) -> str:
    """The frame answering one of the server's calls: a CALLRESULT, or a CALLERROR when the
    charger does not simulate the action or failed at it (it answers rather than dies)."""
    try:
        return encode_result(message_id, await on_call(action, payload))
    except NotImplementedError:
        return encode_error(message_id, "NotImplemented", f"{action} not simulated")
    except Exception as exc:
        log.exception("simulated handling of %s failed", action)
        return encode_error(message_id, "InternalError", str(exc)[:200])


class Link:
    """One WebSocket to the server. `call()` is one at a time; a reader task settles answers and
    serves the server's calls to `on_call`, each in a task of its own."""

    def __init__(self, ws: ClientConnection, on_call: ServerCallHandler) -> None:
        self.ws = ws
        self._on_call = on_call
        self._waiting: dict[str, tuple[asyncio.Future[Any], str]] = {}
        self._lock = asyncio.Lock()
        self._server_calls: set[asyncio.Task[None]] = set()
        self._reader = asyncio.create_task(self._read(), name="simulator-link-reader")

    @classmethod
    async def open(
        cls,
        url: str,
        station_id: str,
        password: str | None,
        subprotocol: str,
        on_call: ServerCallHandler,
        *,
        ssl_context: ssl.SSLContext | None = None,
        open_timeout: float = 10,
    ) -> Link:
        """Connect; a refused or failed upgrade raises ConnectionError with the reason."""
        headers = None if password is None else {"Authorization": basic_auth(station_id, password)}
        try:
            ws = await connect(
                f"{url.rstrip('/')}/{station_id}",
                subprotocols=[Subprotocol(subprotocol)],
                additional_headers=headers,
                compression=None,
                open_timeout=open_timeout,
                ssl=ssl_context,
                ping_interval=None,
            )
        except InvalidHandshake as exc:
            raise ConnectionError(f"handshake failed: {exc}") from exc
        return cls(ws, on_call)

    async def call(self, message_id: str, action: str, payload: dict[str, Any]) -> Any:
        """Send a CALL and return the CALLRESULT payload; CallRefused on a CALLERROR."""
        async with self._lock:
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            self._waiting[message_id] = (future, action)
            try:
                await self.ws.send(encode_call(message_id, action, payload))
                return await future
            except ConnectionClosed as exc:
                raise ConnectionError(f"connection closed: {exc}") from exc
            finally:
                self._waiting.pop(message_id, None)

    async def _read(self) -> None:
        """Read frames until the socket closes; settle answers, serve the server's calls."""
        try:
            async for raw in self.ws:
                try:
                    frame = parse_frame(raw)
                except FrameError as exc:
                    log.warning("unreadable frame from the server: %s", exc.description)
                    continue
                if isinstance(frame, Call):
                    task = asyncio.create_task(self._serve(frame))
                    self._server_calls.add(task)
                    task.add_done_callback(self._server_calls.discard)
                    continue
                waiting = self._waiting.get(frame.message_id)
                if waiting is None or waiting[0].done():
                    continue
                future, action = waiting
                if isinstance(frame, CallResult):
                    future.set_result(frame.payload)
                elif isinstance(frame, CallError):
                    future.set_exception(CallRefused(action, frame.code, frame.description))
        except ConnectionClosed:
            pass
        finally:
            for future, _action in self._waiting.values():
                if not future.done():
                    future.set_exception(ConnectionError("connection closed"))
            for task in tuple(self._server_calls):
                task.cancel()

    async def _serve(self, call: Call) -> None:
        text = await answer_server_call(self._on_call, call.message_id, call.action, call.payload)
        with contextlib.suppress(ConnectionClosed):
            await self.ws.send(text)

    async def close(self) -> None:
        try:
            await self.ws.close()
        finally:
            await self._stop_reading()

    def abort(self) -> None:
        """Drop the connection at once (the server is gone or does not answer)."""
        self.ws.transport.abort()
        self._reader.cancel()

    async def _stop_reading(self) -> None:
        self._reader.cancel()
        await asyncio.gather(self._reader, *self._server_calls, return_exceptions=True)
