"""What the pages are given: settings, the domain services, who is online, readiness."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from steppe.api.context import Readiness
from steppe.config import Settings
from steppe.domain.services import Services


class Presence(Protocol):
    """Which stations are connected right now, and with which OCPP version."""

    def is_connected(self, station_id: str) -> bool: ...

    def version_of(self, station_id: str) -> str | None: ...

    def connected_ids(self) -> frozenset[str]: ...


@dataclass(frozen=True, slots=True)
class WebContext:
    settings: Settings
    services: Services
    presence: Presence
    readiness: Readiness  # false once the server shuts down: live streams end then
