"""What the API's handlers are given: the services, the live connections, metrics, readiness."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from steppe.api.auth import Authenticator
from steppe.config import Settings
from steppe.domain.ports import CommandSender
from steppe.domain.services import Services


class MetricsSource(Protocol):
    """Renders the metrics endpoint's body (the composition root gathers the figures)."""

    async def exposition(self, accept: str | None) -> tuple[bytes, str]:
        """The body and its content type, in the format the `Accept` header asks for."""
        ...


class Readiness:
    """Whether the instance serves: false until both ports listen, false again at shutdown
    (open event streams end then)."""

    __slots__ = ("_ready",)

    def __init__(self) -> None:
        self._ready = False

    def __bool__(self) -> bool:
        return self._ready

    def set(self, ready: bool) -> None:
        self._ready = ready


@dataclass(frozen=True, slots=True)
class ApiContext:
    settings: Settings
    services: Services
    connections: CommandSender  # the live connections: who is online, and calls to them
    metrics: MetricsSource
    authenticator: Authenticator  # who is calling; failed attempts counted per address
    readiness: Readiness = field(default_factory=Readiness)
