"""Cache news: a node that changes data the others keep in memory (the webhooks, the OCPI
partners) says so on `steppe.news`, and every other node reads that data again at once.

Data read from the database on every use (tokens, station passwords, tariffs) needs none: a
token blocked through one node is refused by every node at its next authorization.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

import orjson
from nats.aio.msg import Msg

from steppe.cluster.link import NatsLink
from steppe.cluster.names import NEWS_SUBJECT
from steppe.domain.ports import Cached

log = logging.getLogger("steppe.cluster")
Forget = Callable[[], Awaitable[None]]


class ClusterNews:
    """The domain's `Changes` in cluster mode, and the listener to the other nodes' news."""

    def __init__(self, link: NatsLink, node: str) -> None:
        self._link = link
        self._node = node
        self._outgoing: asyncio.Queue[Cached] = asyncio.Queue()

    def changed(self, what: Cached) -> None:
        self._outgoing.put_nowait(what)

    async def run(self, forget: Mapping[Cached, Forget]) -> None:
        """Until cancelled: read again what another node says it changed."""

        async def arrived(msg: Msg) -> None:
            try:
                item = orjson.loads(msg.data)
                if item["node"] == self._node:
                    return
                action = forget.get(Cached(item["what"]))
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("news from another node was not understood: %s", exc)
                return
            if action is not None:
                try:
                    await action()
                except Exception as exc:  # the next change or a restart reads it again
                    log.warning("%s not read again: %s", item["what"], exc)

        subscription = await self._link.client.subscribe(NEWS_SUBJECT, cb=arrived)
        try:
            while True:
                what = await self._outgoing.get()
                body = orjson.dumps({"what": what.value, "node": self._node})
                try:
                    await self._link.client.publish(NEWS_SUBJECT, body)
                except Exception as exc:  # NATS away: the others keep what they had
                    log.warning("the other nodes were not told that %s changed: %s", what, exc)
        finally:
            try:
                await subscription.unsubscribe()
            except Exception as exc:  # NATS away: the subscription dies with the connection
                log.debug("news subscription not removed: %s", exc)
