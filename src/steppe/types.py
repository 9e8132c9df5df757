"""Names shared by more than one layer: aliases for the shapes that cross boundaries, and the
vocabulary of statuses that the domain decides, storage keeps and the API shows.

Each status is defined once here; a layer that needs it imports it, so a filter in the API, a
query in storage and a rule in the domain cannot disagree on a spelling.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, Field

# An OCPP payload or any JSON object as Python sees it.
JsonObject = dict[str, Any]
# The OCPP versions, as stored on a station, that address EVSEs with connectors within them
# (1.6 numbers connectors only).
EVSE_OCPP_VERSIONS = frozenset({"2.0.1", "2.1"})


def in_utc(value: datetime) -> datetime:
    """An instant with a zone must also exist in UTC: 0001-01-01T00:00:00+14:00 does not."""
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of the range of dates") from None
    return value


# An instant as the API and the commands take it: with a zone, and one that exists in UTC.
Moment = Annotated[AwareDatetime, AfterValidator(in_utc)]
# The largest value of a 64-bit signed integer column (BIGINT, SQLite INTEGER).
MAX_BIGINT = 2**63 - 1
# A whole number on a station's wire (connector, EVSE, reservation, request ids): 32 bits.
MAX_INT32 = 2**31 - 1
WireInt = Annotated[int, Field(ge=-MAX_INT32, le=MAX_INT32)]

# Starts a coroutine as a task that is tracked and cancelled at shutdown (never fire-and-forget).
Spawn = Callable[[Coroutine[Any, Any, None]], None]


class TransactionStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"


class ClosedBy(StrEnum):
    """Who ended a transaction: the station reported its end, or the server gave up on it."""

    STATION = "station"
    SERVER = "server"


class CommandOutcome(StrEnum):
    """What became of an operator command, as the audit log records it."""

    PENDING = "pending"  # sent, no outcome yet (or cut short by a crash)
    ANSWERED = "answered"  # the station answered; its own status is recorded beside
    NOT_CONNECTED = "not_connected"
    TIMEOUT = "timeout"
    REFUSED = "refused"  # Steppe refused it (bad parameters, not in this OCPP version)
    CALL_ERROR = "call_error"  # the station answered with a CALLERROR
    NOT_FOUND = "not_found"
    ERROR = "error"
    APPLIED = "applied"  # a change a person made in the console (not a command), done at once


class DeliveryStatus(StrEnum):
    """Where a webhook delivery stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
