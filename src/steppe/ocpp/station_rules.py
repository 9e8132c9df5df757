"""What both versions' handlers tell the dispatcher about the station behind a message: it was
heard from, and whether its registration lets it send this action."""

from __future__ import annotations

from steppe.domain.services import Services
from steppe.domain.stations.models import Registration, StationContext

# What a station may always send, accepted or not.
ALLOWED_WHILE_PENDING = frozenset({"BootNotification", "Heartbeat"})


class StationRules:
    """Base of `V16Handlers` and `V201Handlers`."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def heard(self, ctx: StationContext) -> None:
        self._services.stations.heard(ctx.station_id)

    def may_send(self, ctx: StationContext, action: str) -> bool:
        """Accepted: anything. Pending: BootNotification, Heartbeat and what Steppe asked it
        for (a triggered message, a requested report). Rejected: BootNotification and
        Heartbeat only."""
        registration = ctx.registration
        if registration is Registration.ACCEPTED or action in ALLOWED_WHILE_PENDING:
            return True
        if registration is Registration.PENDING:
            return self._services.stations.solicited(ctx.station_id, action)
        return False
