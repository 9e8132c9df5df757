"""In-process event bus: the domain publishes what happened; streams and webhooks subscribe.

Publishing never blocks and never fails the caller: each subscriber has a bounded queue, and a
subscriber that falls behind loses its oldest events and is told so by a `stream.lagged` event.

In cluster mode a relay (given at construction) carries each event published here to the other
nodes, and `deliver` hands theirs to the subscribers here, marked with the node they came from;
a subscriber that must see each event once for the cluster (the webhook recorder) takes only
its own node's (`Event.node is None`).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol


class EventType(StrEnum):
    """Every event Steppe publishes: `publish` takes nothing else, and the event stream's and
    webhooks' type filters accept exactly these (docs/api.md describes each one's data)."""

    STATION_CONNECTED = "station.connected"
    STATION_DISCONNECTED = "station.disconnected"
    STATION_VERSION = "station.version"  # the OCPP version a station connects with changed
    STATION_BOOTED = "station.booted"
    STATION_REPORT = "station.report"  # a part of a device model report (2.0.1 NotifyReport)
    STATION_EVENT = "station.event"  # a device model event (2.0.1 NotifyEvent)
    STATION_FIRMWARE = "station.firmware"  # a firmware update's progress
    STATION_LOG = "station.log"  # a log upload's progress (1.6 diagnostics included)
    FIRMWARE_ROLLOUT = "firmware.rollout"  # a rollout completed, halted or was cancelled
    STATION_DATA_TRANSFER = "station.data_transfer"  # a known vendor's DataTransfer, accepted
    STATION_PASSWORD_ROTATED = "station.password_rotated"  # noqa: S105 - an event name
    CONNECTOR_STATUS = "connector.status"
    TRANSACTION_STARTED = "transaction.started"
    TRANSACTION_UPDATED = "transaction.updated"
    TRANSACTION_ENDED = "transaction.ended"
    RESERVATION_STATUS = "reservation.status"
    CHARGING_LIMIT = "charging.limit"  # a limit set outside Steppe (2.0.1 NotifyChargingLimit)
    CHARGING_PROFILES = "charging.profiles"  # profiles a station reports it holds
    COMMAND_RESULT = "command.result"
    SECURITY_EVENT = "security.event"
    CERTIFICATE_SIGNED = "certificate.signed"
    STREAM_LAGGED = "stream.lagged"  # to one subscriber: it fell behind and lost events


@dataclass(frozen=True, slots=True)
class Event:
    type: EventType
    station_id: str | None
    data: dict[str, Any]
    id: int = 0
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    node: str | None = None  # the cluster node it happened on, if another than this one

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "station_id": self.station_id,
            "at": self.at.isoformat(),
            "data": self.data,
        }


def _every_type(_type: str) -> bool:
    return True


class Subscription:
    __slots__ = ("accepts", "queue", "wants")

    def __init__(
        self, accepts: Callable[[Event], bool], size: int, wants: Callable[[str], bool]
    ) -> None:
        self.accepts = accepts
        self.wants = wants
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=size)

    def offer(self, event: Event) -> None:
        if not self.wants(event.type) or not self.accepts(event):
            return
        if self.queue.full():
            self.queue.get_nowait()
            lag = Event(EventType.STREAM_LAGGED, None, {"dropped": 1}, id=event.id)
            if not self.queue.full():
                self.queue.put_nowait(lag)
                if self.queue.full():
                    return
        self.queue.put_nowait(event)


class EventRelay(Protocol):
    """Carries this node's events to the other nodes of a cluster (never blocks, never fails)."""

    def forward(self, event: Event) -> None: ...


class EventBus:
    def __init__(self, *, queue_size: int = 1000, relay: EventRelay | None = None) -> None:
        self._subscriptions: set[Subscription] = set()
        self._ids = itertools.count(1)
        self._queue_size = queue_size
        self._relay = relay
        self.published = 0

    def listening(self, type_: str) -> bool:
        """Whether any subscriber wants events of this type (else publishing them is free, and
        a publisher may skip working out their data). In a cluster another node may want it."""
        return self._relay is not None or any(s.wants(type_) for s in self._subscriptions)

    def publish(self, type_: EventType, station_id: str | None, data: dict[str, Any]) -> None:
        """Hand an event to every subscriber that wants it; nothing is built when none does."""
        self.published += 1
        takers = [s for s in self._subscriptions if s.wants(type_)]
        if not takers and self._relay is None:
            return
        event = Event(type_, station_id, data, id=next(self._ids))
        for subscription in takers:
            subscription.offer(event)
        if self._relay is not None:
            self._relay.forward(event)

    def deliver(
        self,
        type_: EventType,
        station_id: str | None,
        data: dict[str, Any],
        *,
        at: datetime,
        node: str,
    ) -> None:
        """Hand another node's event to the subscribers here (it is not relayed again)."""
        takers = [s for s in self._subscriptions if s.wants(type_)]
        if not takers:
            return
        event = Event(type_, station_id, data, id=next(self._ids), at=at, node=node)
        for subscription in takers:
            subscription.offer(event)

    @asynccontextmanager
    async def subscribe(
        self,
        accepts: Callable[[Event], bool] = lambda _e: True,
        *,
        wants: Callable[[str], bool] = _every_type,
    ) -> AsyncIterator[Subscription]:
        """Receive events; `wants` is asked first, with the type alone (it may change its mind
        over time), then `accepts` with the whole event."""
        subscription = Subscription(accepts, self._queue_size, wants)
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)
