"""OCPP date-times: ISO 8601 on the wire, aware UTC datetimes inside."""

from __future__ import annotations

from datetime import UTC, datetime

from steppe.ocpp.errors import ErrorKind, OcppError


def parse_timestamp(value: str) -> datetime:
    """An OCPP timestamp as an aware UTC datetime; a value without a zone is taken as UTC."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise OcppError(
            ErrorKind.PROPERTY_CONSTRAINT, f"not an ISO 8601 date-time: {value[:40]!r}"
        ) from exc
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_timestamp(value: datetime) -> str:
    """UTC, millisecond precision, `Z` suffix: the form chargers parse most reliably."""
    return (
        value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    )
