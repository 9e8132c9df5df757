"""Who holds which station, cluster-wide: a JetStream KV bucket every node writes its own
stations into and watches whole, kept in memory so that `where` needs no round trip.

Each node renews a lease key (`n.<node>`) every third of `cluster_lease`; a station whose node
has not renewed within the lease counts as offline (its node died, and the station will come back
through another one). A station put by another node while this one still holds it has
reconnected elsewhere: it is queued in `displaced`, and the node closes its old connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

import orjson
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue

from steppe.cluster.link import NatsLink
from steppe.cluster.names import NODE_PREFIX, STATION_PREFIX, station_key, station_of

log = logging.getLogger("steppe.cluster")
WATCH_CHECK = 1.0  # seconds between looks at whether the presence watch must start again


@dataclass(frozen=True, slots=True)
class Location:
    """Where a station is connected: the node and the OCPP version it speaks."""

    node: str
    version: str
    revision: int


class PresenceBoard:
    """The gateway's `ConnectionObserver` (it tells of each connection opened and closed) and
    the cluster's map of stations to nodes."""

    def __init__(self, link: NatsLink, node: str, *, lease: float) -> None:
        self._link = link
        self.node = node
        self._lease = lease
        self._where: dict[str, Location] = {}
        self._renewed: dict[str, float] = {}  # node -> monotonic time its lease was last seen
        self._mine: dict[str, str] = {}  # station -> version, the stations held here
        # (station, version) to announce, (station, None) to withdraw; and (station, revision)
        # of entries naming this node from an earlier life (a node restarted with its old id)
        self._writes: asyncio.Queue[tuple[str, str | None]] = asyncio.Queue()
        self._stale: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
        self.displaced: asyncio.Queue[str] = asyncio.Queue()

    # --- told by the gateway (synchronous: the writes go out in order from `_write`) ----------

    def opened(self, station_id: str, version: str) -> None:
        self._mine[station_id] = version
        self._writes.put_nowait((station_id, version))

    def closed(self, station_id: str) -> None:
        self._mine.pop(station_id, None)
        self._writes.put_nowait((station_id, None))

    # --- read by the router and the pages -------------------------------------------------------

    def where(self, station_id: str) -> Location | None:
        """The node that holds the station now, if it is connected anywhere."""
        version = self._mine.get(station_id)
        if version is not None:
            return Location(self.node, version, 0)
        location = self._where.get(station_id)
        if location is None or location.node == self.node or not self.alive(location.node):
            return None
        return location

    def alive(self, node: str) -> bool:
        if node == self.node:
            return True
        renewed = self._renewed.get(node)
        return renewed is not None and time.monotonic() - renewed < self._lease

    def connected_ids(self) -> frozenset[str]:
        elsewhere = (s for s, at in self._where.items() if at.node != self.node)
        return frozenset(self._mine) | frozenset(s for s in elsewhere if self.where(s))

    # --- the node's own work --------------------------------------------------------------------

    async def run(self) -> None:
        """Renew the lease, write this node's stations, watch everyone's; until cancelled."""
        async with asyncio.TaskGroup() as group:
            group.create_task(self._renew(), name="cluster-lease")
            group.create_task(self._write(), name="cluster-presence-writes")
            group.create_task(self._forget_stale(), name="cluster-presence-stale")
            group.create_task(self._watch(), name="cluster-presence-watch")
            group.create_task(self._after_outages(), name="cluster-presence-again")

    async def leave(self) -> None:
        """At shutdown: give up the lease so that the others stop routing here at once."""
        with contextlib.suppress(Exception):
            await self._link.presence.delete(NODE_PREFIX + self.node)

    async def _renew(self) -> None:
        key = NODE_PREFIX + self.node
        while True:
            try:
                await self._link.presence.put(key, orjson.dumps({"at": time.time()}))
            except Exception as exc:  # NATS away: the next renewal tries again
                log.debug("lease not renewed: %s", exc)
            await asyncio.sleep(self._lease / 3)

    async def _write(self) -> None:
        revisions: dict[str, int] = {}  # station -> revision of this node's last put
        while True:
            station_id, version = await self._writes.get()
            kv = self._link.presence
            key = station_key(station_id)
            try:
                if version is not None:
                    value = orjson.dumps({"node": self.node, "version": version})
                    revisions[station_id] = await kv.put(key, value)
                elif station_id not in self._mine:
                    revision = revisions.pop(station_id, None)
                    if revision is not None:
                        # only if still this node's: a newer put by another node stays
                        await kv.delete(key, last=revision)
            except Exception as exc:  # a lost delete is harmless, a lost put is redone later
                log.debug("[%s] presence not written: %s", station_id, exc)

    async def _forget_stale(self) -> None:
        """Delete what an earlier life of this node left (a station it held when it was killed
        and that has not come back anywhere since), unless it was written again meanwhile."""
        while True:
            station_id, revision = await self._stale.get()
            if station_id in self._mine:
                continue
            try:
                await self._link.presence.delete(station_key(station_id), last=revision)
            except Exception as exc:  # written again since, or NATS away: nothing to do
                log.debug("[%s] stale presence kept: %s", station_id, exc)

    async def _after_outages(self) -> None:
        """After NATS comes back (its memory bucket may be empty), write every station again."""
        while True:
            await self._link.reconnected.wait()
            self._link.reconnected.clear()
            while True:
                try:
                    await self._link.refresh()
                    break
                except Exception as exc:  # NATS not quite back yet: try again shortly
                    log.warning("presence bucket not found again: %s", exc)
                    await asyncio.sleep(1)
            for station_id, version in tuple(self._mine.items()):
                self._writes.put_nowait((station_id, version))

    async def _watch(self) -> None:
        while True:
            try:
                await self._follow(self._link.presence)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the watch broke (NATS away): start it again
                log.debug("presence watch restarts: %s", exc)
            await asyncio.sleep(1)

    async def _follow(self, kv: KeyValue) -> None:
        """Apply the bucket's updates until NATS is lost or reached again (a restarted server
        has forgotten the watch: it is started again)."""
        since = self._link.reconnections
        watcher = await kv.watchall()
        updates = aiter(watcher)
        try:
            while True:
                try:
                    # asyncio.timeout, not the watcher's own wait_for, which on Python 3.11 may
                    # swallow a cancellation that meets an arriving update (and never end)
                    async with asyncio.timeout(WATCH_CHECK):
                        entry = await anext(updates)
                except TimeoutError:
                    if not self._link.up or self._link.reconnections != since:
                        return
                    continue
                except StopAsyncIteration:
                    return
                if entry is None:  # the initial values are all in
                    continue
                self._apply(entry.key, entry.value, entry.operation, entry.revision)
        finally:
            with contextlib.suppress(Exception):
                await watcher.stop()  # type: ignore[no-untyped-call]

    def _apply(self, key: str, value: bytes | None, operation: str | None, revision: int) -> None:
        gone = operation in (KV_DEL, KV_PURGE)
        if key.startswith(NODE_PREFIX):
            node = key[len(NODE_PREFIX) :]
            if gone:
                self._renewed.pop(node, None)
            else:
                self._renewed[node] = time.monotonic()
            return
        if not key.startswith(STATION_PREFIX):
            return
        station_id = station_of(key)
        if gone or not value:
            self._where.pop(station_id, None)
            return
        data = orjson.loads(value)
        location = Location(str(data["node"]), str(data["version"]), revision)
        self._where[station_id] = location
        if location.node == self.node and station_id not in self._mine:
            self._stale.put_nowait((station_id, revision))
        elif location.node != self.node and station_id in self._mine:
            log.info("[%s] reconnected on node %s", station_id, location.node)
            self.displaced.put_nowait(station_id)
