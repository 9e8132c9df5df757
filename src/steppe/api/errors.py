"""Errors as JSON: `{"error": {"code": ..., "message": ...}}` with the right HTTP status."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from steppe.domain.roaming.models import LinkFailed
from steppe.errors import (
    AlreadyExists,
    ClusterUnavailable,
    CommandTimeout,
    CommandUnavailable,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    StationNotAccepted,
    StationNotConnected,
    StationRejectedCall,
    SteppeError,
    StorageUnavailable,
)


class ApiError(SteppeError):
    """An HTTP answer the API decides itself (an unknown key, a wrong role): status and code."""

    def __init__(
        self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        if status == 401:
            self.headers.setdefault("WWW-Authenticate", "Bearer")

    def response(self) -> JSONResponse:
        return JSONResponse(body(self.code, self.message), self.status, headers=self.headers)


STATUS: tuple[tuple[type[SteppeError], int, str], ...] = (
    (NotFound, 404, "not_found"),
    (AlreadyExists, 409, "already_exists"),
    (StationNotConnected, 409, "station_not_connected"),
    (StationNotAccepted, 409, "station_not_accepted"),
    (Conflict, 409, "conflict"),
    (CommandUnavailable, 422, "command_not_available"),
    (InvalidInput, 422, "invalid_input"),
    (Forbidden, 403, "forbidden"),
    (CommandTimeout, 504, "station_timeout"),
    (StationRejectedCall, 502, "call_error"),
    (StorageUnavailable, 503, "storage_unavailable"),
    (ClusterUnavailable, 503, "cluster_unavailable"),
    (LinkFailed, 502, "partner_unreachable"),
)


HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    411: "length_required",
    413: "too_large",
    415: "unsupported_media_type",
}


def body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return JSONResponse(
            body(code, message), exc.status_code, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(SteppeError)
    async def _domain_error(_: Request, exc: SteppeError) -> JSONResponse:
        for kind, status, code in STATUS:
            if isinstance(exc, kind):
                return JSONResponse(body(code, str(exc)), status)
        return JSONResponse(body("error", str(exc)), 500)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {
                "field": ".".join(str(part) for part in error["loc"] if part != "body"),
                "problem": error["msg"],
            }
            for error in exc.errors()
        ]
        message = "; ".join(f"{f['field'] or 'body'}: {f['problem']}" for f in fields)
        return JSONResponse(body("invalid_request", message, fields=fields), 422)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        # Logged by the server as it passes on; the client gets the usual shape, no details.
        return JSONResponse(body("internal_error", "the server failed; see its log"), 500)
