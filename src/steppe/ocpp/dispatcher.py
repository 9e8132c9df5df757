"""Routes a validated incoming CALL to its version's handler, version-neutral rules first."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from steppe.domain.stations.models import StationContext
from steppe.errors import InvalidInput, NotFound, StorageUnavailable
from steppe.ocpp.errors import ErrorKind, OcppError
from steppe.ocpp.validation import SchemaRegistry
from steppe.ocpp.versions import OcppVersion

Handler = Callable[[StationContext, dict[str, Any]], Awaitable[dict[str, Any]]]
log = logging.getLogger("steppe.ocpp")


class VersionHandlers(Protocol):
    """The incoming-message handlers of one OCPP version."""

    def route(self, action: str) -> Handler | None: ...

    def heard(self, ctx: StationContext) -> None:
        """The station sent a message (it keeps `last_seen_at`)."""
        ...

    def may_send(self, ctx: StationContext, action: str) -> bool:
        """Whether the station's registration lets it send `action` now."""
        ...


class Dispatcher:
    def __init__(
        self, handlers: Mapping[OcppVersion, VersionHandlers], schemas: SchemaRegistry
    ) -> None:
        self._handlers = dict(handlers)
        self._schemas = schemas

    @property
    def versions(self) -> tuple[OcppVersion, ...]:
        return tuple(self._handlers)

    async def handle(
        self, version: OcppVersion, ctx: StationContext, action: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        """The answer payload, or an OcppError that becomes a CALLERROR."""
        handlers = self._handlers[version]
        handlers.heard(ctx)
        handler = handlers.route(action)
        if handler is None:
            if self._schemas.knows(version, action):
                raise OcppError(ErrorKind.NOT_SUPPORTED, f"{action} is not supported by Steppe")
            raise OcppError(ErrorKind.NOT_IMPLEMENTED, f"unknown action {action}")
        if not handlers.may_send(ctx, action):
            raise OcppError(
                ErrorKind.SECURITY,
                f"station is {ctx.registration.value}: {action} was not asked for; "
                "send BootNotification",
            )
        try:
            return await handler(ctx, payload)
        except OcppError:
            raise
        except StorageUnavailable as exc:
            raise OcppError(ErrorKind.INTERNAL, "storage unavailable, not recorded") from exc
        except (InvalidInput, NotFound) as exc:
            raise OcppError(ErrorKind.PROPERTY_CONSTRAINT, str(exc)) from exc
        except Exception as exc:
            log.exception("[%s] %s failed", ctx.station_id, action)
            raise OcppError(ErrorKind.INTERNAL, "internal error, not recorded") from exc
