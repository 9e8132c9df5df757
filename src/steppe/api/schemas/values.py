"""Values every part of the API takes in the same way: instants that exist in UTC, cursors and
whole numbers the databases can hold."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import Field

from steppe.api.errors import ApiError
from steppe.types import MAX_BIGINT, MAX_INT32, Moment, WireInt, in_utc

__all__ = ["MAX_BIGINT", "MAX_INT32", "BigId", "Moment", "WireInt", "cursor_value", "moment_value"]

CURSOR = re.compile(r"^[0-9]{1,18}$")
BigId = Annotated[int, Field(ge=1, le=MAX_BIGINT)]


def cursor_value(cursor: str | None, name: str = "cursor") -> int | None:
    """The number inside a cursor this API gave out; 422 for anything else."""
    if cursor is None:
        return None
    if not CURSOR.match(cursor):
        raise ApiError(422, "invalid_request", f"{name}: not a cursor this API gave out")
    return int(cursor)


def moment_value(value: str | None, name: str) -> datetime | None:
    """An ISO 8601 date-time with a zone, existing in UTC; 422 naming `name` otherwise."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(422, "invalid_request", f"{name}: not an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        raise ApiError(422, "invalid_request", f"{name}: needs a time zone")
    try:
        return in_utc(parsed)
    except ValueError as exc:
        raise ApiError(422, "invalid_request", f"{name}: {exc}") from None
