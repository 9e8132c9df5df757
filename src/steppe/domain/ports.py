"""What the domain needs from outside, as small interfaces the composition root fills in."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol


class Clock(Protocol):
    """Tells the time (UTC, aware). Tests pass a fixed clock."""

    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class CommandSender(Protocol):
    """Sends an OCPP call to a connected station and returns the station's answer payload."""

    def is_connected(self, station_id: str) -> bool: ...

    def version_of(self, station_id: str) -> str | None: ...

    async def call(
        self, station_id: str, action: str, payload: dict[str, Any], *, timeout: float | None = None
    ) -> dict[str, Any]: ...


class Cached(StrEnum):
    """What a node keeps in memory and must read again when another node changes it."""

    WEBHOOKS = "webhooks"  # the active webhooks and the event types they want
    PARTNERS = "partners"  # the registered OCPI partners
    SITES = "sites"  # the sites whose load is managed, with their stations


class Changes(Protocol):
    """Tells the other nodes of a cluster that data one of them keeps in memory changed."""

    def changed(self, what: Cached) -> None: ...


class NoOtherNodes:
    """`Changes` of a single instance: there is no one else to tell."""

    def changed(self, what: Cached) -> None:
        return None
