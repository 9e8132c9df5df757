"""OCPI's response envelope, status codes, times and pagination.

Every answer is `{"data", "status_code", "status_message", "timestamp"}`; a refused request
carries the OCPI status code beside the HTTP status. Times are UTC with a `Z`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import IntEnum
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import Request
from fastapi.responses import Response

from steppe.errors import SteppeError

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


class OcpiStatus(IntEnum):
    SUCCESS = 1000
    CLIENT_ERROR = 2000
    INVALID_PARAMETERS = 2001
    NOT_ENOUGH_INFORMATION = 2002
    UNKNOWN_LOCATION = 2003
    UNKNOWN_TOKEN = 2004
    SERVER_ERROR = 3000
    UNABLE_TO_USE_CLIENT_API = 3001
    UNSUPPORTED_VERSION = 3002
    NO_MATCHING_ENDPOINTS = 3003
    UNKNOWN_RECEIVER = 3004


class OcpiError(SteppeError):
    """An OCPI answer decided by the endpoint: HTTP status, OCPI status code and message."""

    def __init__(self, http_status: int, status: OcpiStatus, message: str) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.status = status
        self.message = message


def utc(moment: datetime | None) -> str | None:
    """An OCPI DateTime: UTC, seconds, `Z` (no offset)."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_utc() -> str:
    text = utc(datetime.now(UTC))
    assert text is not None
    return text


def body(data: Any, status: OcpiStatus = OcpiStatus.SUCCESS, message: str = "Success") -> bytes:
    return orjson.dumps(
        {
            "data": data,
            "status_code": int(status),
            "status_message": message,
            "timestamp": now_utc(),
        }
    )


def answer(
    request: Request,
    data: Any = None,
    *,
    http_status: int = 200,
    status: OcpiStatus = OcpiStatus.SUCCESS,
    message: str = "Success",
    headers: dict[str, str] | None = None,
) -> Response:
    out = dict(echo_headers(request))
    out.update(headers or {})
    return Response(
        body(data, status, message), http_status, headers=out, media_type="application/json"
    )


def echo_headers(request: Request) -> dict[str, str]:
    """X-Request-ID and X-Correlation-ID of the request, given back on the answer."""
    out = {}
    for name in ("X-Request-ID", "X-Correlation-ID"):
        value = request.headers.get(name)
        if value:
            out[name] = value[:36]
    return out


def parse_time(value: str | None, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise OcpiError(
            400, OcpiStatus.INVALID_PARAMETERS, f"{name}: not an RFC 3339 time"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_int(value: str | None, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise OcpiError(400, OcpiStatus.INVALID_PARAMETERS, f"{name}: not a number") from None
    if number < 0:
        raise OcpiError(400, OcpiStatus.INVALID_PARAMETERS, f"{name}: must not be negative")
    return number


def page_headers(
    request: Request, public_url: str, *, offset: int, limit: int, total: int
) -> dict[str, str]:
    """X-Total-Count, X-Limit and, when more follows, the Link to the next page (on the
    public URL partners use, which a proxy in front may make differ from the request's)."""
    headers = {"X-Total-Count": str(total), "X-Limit": str(limit)}
    if offset + limit < total:
        params = dict(request.query_params)
        params["offset"] = str(offset + limit)
        params["limit"] = str(limit)
        url = f"{public_url.rstrip('/')}{request.url.path}?{urlencode(params)}"
        headers["Link"] = f'<{url}>; rel="next"'
    return headers
