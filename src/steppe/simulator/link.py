"""The simulated charger's end of the OCPP-J link: send calls, await answers, serve the server."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import logging
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
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


def basic_auth_header(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class Link:
    """One WebSocket to the server; `call()` is one-at-a-time, server calls go to `on_call`."""

    def __init__(self, ws: ClientConnection, on_call: ServerCallHandler) -> None:
        self.ws = ws
        self._on_call = on_call
        self._ids = itertools.count(1)
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._actions: dict[str, str] = {}
        self._lock = asyncio.Lock()
        self._server_calls: set[asyncio.Task[None]] = set()

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
        headers = basic_auth_header(station_id, password) if password is not None else None
        ws = await connect(
            f"{url.rstrip('/')}/{station_id}",
            subprotocols=[Subprotocol(subprotocol)],
            additional_headers=headers,
            compression=None,
            open_timeout=open_timeout,
            ssl=ssl_context,
            ping_interval=None,
        )
        return cls(ws, on_call)

    async def call(self, action: str, payload: dict[str, Any], timeout: float = 30) -> Any:
        """Send a CALL and return the CALLRESULT payload; CallRefused on a CALLERROR."""
        async with self._lock:
            message_id = str(next(self._ids))
            future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            self._waiting[message_id] = future
            self._actions[message_id] = action
            try:
                await self.ws.send(encode_call(message_id, action, payload))
                async with asyncio.timeout(timeout):
                    return await future
            finally:
                self._waiting.pop(message_id, None)
                self._actions.pop(message_id, None)

    async def read(self) -> None:
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
                future = self._waiting.get(frame.message_id)
                if future is None or future.done():
                    continue
                if isinstance(frame, CallResult):
                    future.set_result(frame.payload)
                elif isinstance(frame, CallError):
                    action = self._actions.get(frame.message_id, "?")
                    future.set_exception(CallRefused(action, frame.code, frame.description))
        except ConnectionClosed:
            pass
        finally:
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(ConnectionError("connection closed"))
            for task in tuple(self._server_calls):
                task.cancel()

    async def _serve(self, call: Call) -> None:
        try:
            payload = await self._on_call(call.action, call.payload)
            text = encode_result(call.message_id, payload)
        except NotImplementedError:
            text = encode_error(call.message_id, "NotImplemented", f"{call.action} not simulated")
        except Exception as exc:  # the charger answers rather than dies
            log.exception("simulated handling of %s failed", call.action)
            text = encode_error(call.message_id, "InternalError", str(exc)[:200])
        with contextlib.suppress(ConnectionClosed):
            await self.ws.send(text)

    async def close(self) -> None:
        await self.ws.close()
