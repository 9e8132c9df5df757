"""The OCPI application partners call, mounted at /ocpi on the HTTP port.

Every answer is an OCPI envelope, refusals included: HTTP 4xx with the OCPI status code and a
message (2001 for malformed input, 2003/2004 for unknown objects, 401 for an unknown token).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from steppe.domain.roaming.models import LinkFailed
from steppe.errors import (
    ClusterUnavailable,
    Conflict,
    InvalidInput,
    NotFound,
    SteppeError,
    StorageUnavailable,
)
from steppe.ocpi import receiver, registration, sender
from steppe.ocpi.context import OcpiContext
from steppe.ocpi.envelope import OcpiError, OcpiStatus, answer

log = logging.getLogger("steppe.ocpi")


class SlashTolerance:
    """Reads `/a//b/` as `/a/b`: endpoint URLs end with a slash and peers join paths to them
    with or without one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            clean = "/" + "/".join(part for part in path.split("/") if part)
            if clean != path:
                scope = {**scope, "path": clean, "raw_path": clean.encode()}
        await self.app(scope, receive, send)


def create_ocpi_app(context: OcpiContext) -> FastAPI:
    app = FastAPI(title="Steppe OCPI 2.2.1 (CPO)", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.ocpi = context
    app.include_router(registration.router)
    app.include_router(sender.router)
    app.include_router(receiver.router)
    app.add_middleware(SlashTolerance)

    @app.exception_handler(OcpiError)
    async def _ocpi(request: Request, exc: OcpiError) -> Response:
        headers = {"WWW-Authenticate": "Token"} if exc.http_status == 401 else None
        return answer(
            request,
            None,
            http_status=exc.http_status,
            status=exc.status,
            message=exc.message,
            headers=headers,
        )

    @app.exception_handler(LinkFailed)
    async def _link(request: Request, exc: LinkFailed) -> Response:
        return answer(
            request,
            None,
            http_status=502,
            status=OcpiStatus.UNABLE_TO_USE_CLIENT_API,
            message=str(exc)[:300],
        )

    @app.exception_handler(SteppeError)
    async def _domain(request: Request, exc: SteppeError) -> Response:
        table: tuple[tuple[type[SteppeError], int, OcpiStatus], ...] = (
            (NotFound, 404, OcpiStatus.CLIENT_ERROR),
            (InvalidInput, 400, OcpiStatus.INVALID_PARAMETERS),
            (Conflict, 409, OcpiStatus.CLIENT_ERROR),
            (StorageUnavailable, 503, OcpiStatus.SERVER_ERROR),
            (ClusterUnavailable, 503, OcpiStatus.SERVER_ERROR),
        )
        for kind, http, status in table:
            if isinstance(exc, kind):
                return answer(request, None, http_status=http, status=status, message=str(exc))
        log.error("OCPI request failed: %s", exc)
        return answer(
            request, None, http_status=500, status=OcpiStatus.SERVER_ERROR, message="internal error"
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "refused"
        return answer(
            request,
            None,
            http_status=exc.status_code,
            status=OcpiStatus.CLIENT_ERROR,
            message=message,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        return answer(
            request,
            None,
            http_status=400,
            status=OcpiStatus.INVALID_PARAMETERS,
            message=problems[:500],
        )

    return app
