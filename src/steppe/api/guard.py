"""The API's front door for request bodies: who is calling is settled before a byte of the body
is read, and a body may be only so large and take only so long to arrive.

Without it the framework reads and parses a whole body before any route dependency runs, so a
stranger could make the server hold and parse megabytes before hearing 401.
"""

from __future__ import annotations

import asyncio
import time

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from steppe.api.context import ApiContext
from steppe.api.errors import ApiError
from steppe.config import Settings

API_PREFIX = "/api/"
# Where a larger body is the point of the route: (method, path) -> setting name.
IMPORT_ROUTES = frozenset({("POST", "/api/v1/stations/import")})


def body_limit(settings: Settings, method: str, path: str) -> int:
    """The largest body this route takes, in bytes."""
    if (method, path.rstrip("/")) in IMPORT_ROUTES:
        return settings.max_import_bytes
    return settings.max_request_bytes


class RequestGuard:
    """ASGI middleware: authenticate `/api/` requests that carry a body before the body is read
    (the route's own dependency reuses the answer), cap every body, bound the time to send it."""

    def __init__(self, app: ASGIApp, context: ApiContext) -> None:
        self.app = app
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        settings = self.context.settings
        limit = body_limit(settings, scope["method"], scope["path"])
        declared = headers.get("content-length")
        chunked = "transfer-encoding" in headers
        if declared is not None and not (declared.isascii() and declared.isdigit()):
            await _refuse(scope, receive, send, 400, "bad_request", "Content-Length: not a number")
            return
        length = int(declared) if declared else 0
        if scope["path"].startswith(API_PREFIX) and (length > 0 or chunked):
            client = scope.get("client")
            address = str(client[0]) if client else "?"
            try:
                principal = await self.context.authenticator.authenticate(
                    headers.get("authorization"), address
                )
            except ApiError as refused:
                await _send_closing(scope, receive, send, refused.response())
                return
            scope.setdefault("state", {})["principal"] = principal
        if length > limit:
            message = f"the body has {length} bytes; this route takes at most {limit}"
            await _refuse(scope, receive, send, 413, "too_large", message)
            return
        if length == 0 and not chunked:
            await self.app(scope, receive, send)
            return
        await self.app(scope, _BodyReader(receive, limit, settings.http_body_timeout), send)


class _BodyReader:
    """`receive` for a request with a body: counts its bytes and bounds the time it takes; past
    either limit the route sees an HTTP error (413 or 408) instead of more body."""

    __slots__ = ("_deadline", "_done", "_limit", "_receive", "_received")

    def __init__(self, receive: Receive, limit: int, seconds: float) -> None:
        self._receive = receive
        self._limit = limit
        self._deadline = time.monotonic() + seconds
        self._received = 0
        self._done = False

    async def __call__(self) -> Message:
        if self._done:  # the body is in: what follows is the wait for a disconnect
            return await self._receive()
        try:
            async with asyncio.timeout(max(0.0, self._deadline - time.monotonic())):
                message = await self._receive()
        except TimeoutError:
            raise HTTPException(408, "the request body did not arrive in time") from None
        if message["type"] == "http.request":
            self._received += len(message.get("body", b""))
            if self._received > self._limit:
                raise HTTPException(413, f"the body is larger than {self._limit} bytes")
            self._done = not message.get("more_body", False)
        else:
            self._done = True
        return message


async def _refuse(
    scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str
) -> None:
    await _send_closing(scope, receive, send, ApiError(status, code, message).response())


async def _send_closing(scope: Scope, receive: Receive, send: Send, response: Response) -> None:
    """Answer without reading the body, and close the connection after the answer so the
    client does not go on sending a body nobody reads."""
    response.headers["Connection"] = "close"
    await response(scope, receive, send)
