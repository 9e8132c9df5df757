"""Events cluster-wide: each node publishes what happens on it to `steppe.events.<node>` (core
NATS, at most once: the event stream is live news, not a ledger) and hands every other node's
events to its own bus. Webhooks stay durable and once per cluster on their own: each node
records the deliveries of its own events in the database."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

import orjson
from nats.aio.msg import Msg

from steppe.cluster.link import NatsLink
from steppe.cluster.names import EVENT_SUBJECT, node_token
from steppe.domain.events import Event, EventBus, EventType

log = logging.getLogger("steppe.cluster")
# Events waiting to go out while NATS is slow or away; past it the oldest are dropped.
BACKLOG = 10_000


def _plain(value: Any) -> Any:
    """What orjson does not know (Decimal, ...) as text, as the event stream shows it."""
    return str(value)


class EventRelay:
    """The bus's relay in cluster mode, and the receiver of the other nodes' events."""

    def __init__(self, link: NatsLink, node: str) -> None:
        self._link = link
        self._node = node
        self._outgoing: asyncio.Queue[bytes] = asyncio.Queue(maxsize=BACKLOG)
        self.dropped = 0

    def forward(self, event: Event) -> None:
        body = orjson.dumps(
            {
                "type": event.type.value,
                "station_id": event.station_id,
                "at": event.at.isoformat(),
                "node": self._node,
                "data": event.data,
            },
            default=_plain,
        )
        if self._outgoing.full():
            self._outgoing.get_nowait()
            self.dropped += 1
        self._outgoing.put_nowait(body)

    async def run(self, bus: EventBus) -> None:
        """Until cancelled: send this node's events out and deliver the others' to `bus`."""
        own = f"{EVENT_SUBJECT}.{node_token(self._node)}"

        async def arrived(msg: Msg) -> None:
            if msg.subject == own:
                return
            try:
                item = orjson.loads(msg.data)
                bus.deliver(
                    EventType(item["type"]),
                    item["station_id"],
                    item["data"],
                    at=datetime.fromisoformat(item["at"]),
                    node=str(item["node"]),
                )
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("an event from another node was not understood: %s", exc)

        subscription = await self._link.client.subscribe(f"{EVENT_SUBJECT}.>", cb=arrived)
        try:
            while True:
                body = await self._outgoing.get()
                try:
                    await self._link.client.publish(own, body)
                except Exception as exc:  # NATS away: the event is lost for the others only
                    self.dropped += 1
                    log.debug("event not relayed: %s", exc)
        finally:
            try:
                await subscription.unsubscribe()
            except Exception as exc:  # NATS away: the subscription dies with the connection
                log.debug("event subscription not removed: %s", exc)
