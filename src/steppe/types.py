"""Names shared by more than one layer: aliases for the shapes that cross boundaries, and the
vocabulary of statuses that the domain decides, storage keeps and the API shows.

Each status is defined once here; a layer that needs it imports it, so a filter in the API, a
query in storage and a rule in the domain cannot disagree on a spelling.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from enum import StrEnum
from typing import Any

# An OCPP payload or any JSON object as Python sees it.
JsonObject = dict[str, Any]

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
