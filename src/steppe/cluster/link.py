"""The node's one connection to NATS: connected at start-up, reconnected by the client itself
after an outage, closed at shutdown. The other cluster parts borrow it."""

from __future__ import annotations

import asyncio
import logging

import nats
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError
from nats.js.kv import KeyValue

from steppe.cluster.names import PRESENCE_BUCKET
from steppe.errors import ClusterUnavailable, ConfigurationError

log = logging.getLogger("steppe.cluster")
RECONNECT_WAIT = 1  # seconds between two tries to reach NATS again after an outage


class NatsLink:
    """The NATS connection, its JetStream context and the presence bucket."""

    def __init__(self, servers: str, node: str, *, connect_timeout: float) -> None:
        self._servers = [part.strip() for part in servers.split(",") if part.strip()]
        self._node = node
        self._connect_timeout = connect_timeout
        self._client: Client | None = None
        self._presence: KeyValue | None = None
        self.reconnected = asyncio.Event()  # set at every reconnection, cleared by who waits
        self.reconnections = 0  # how many times NATS was reached again after an outage

    async def open(self) -> None:
        """Reach NATS (within `connect_timeout`) and make sure the presence bucket exists."""
        try:
            async with asyncio.timeout(self._connect_timeout):
                while True:
                    try:
                        self._client = await nats.connect(
                            self._servers,
                            name=f"steppe {self._node}",
                            allow_reconnect=True,
                            max_reconnect_attempts=-1,
                            reconnect_time_wait=RECONNECT_WAIT,
                            connect_timeout=2,
                            reconnected_cb=self._on_reconnected,
                            disconnected_cb=self._on_disconnected,
                            error_cb=self._on_error,
                        )
                        break
                    except (OSError, nats.errors.Error) as exc:
                        log.warning("NATS at %s not reached yet: %s", self._servers, exc)
                        await asyncio.sleep(RECONNECT_WAIT)
                self._presence = await self._bucket(self.jetstream)
        except TimeoutError as exc:
            raise ConfigurationError(
                f"NATS at {', '.join(self._servers)} could not be reached within "
                f"{self._connect_timeout:g} s (STEPPE_CLUSTER_URL); is nats-server -js running?"
            ) from exc
        log.info("cluster node %s joined NATS at %s", self._node, self._servers)

    @staticmethod
    async def _bucket(js: JetStreamContext) -> KeyValue:
        try:
            return await js.key_value(PRESENCE_BUCKET)
        except BucketNotFoundError:
            pass
        config = KeyValueConfig(
            bucket=PRESENCE_BUCKET,
            description="which Steppe node holds each station; nodes' leases",
            history=1,
            storage=StorageType.MEMORY,
        )
        try:
            return await js.create_key_value(config)
        except nats.js.errors.BadRequestError:  # another node made it first
            return await js.key_value(PRESENCE_BUCKET)

    async def refresh(self) -> None:
        """After an outage: find the presence bucket again (a restarted NATS lost it)."""
        self._presence = await self._bucket(self.jetstream)

    async def _on_reconnected(self) -> None:
        log.info("cluster node %s reached NATS again", self._node)
        self.reconnections += 1
        self.reconnected.set()

    async def _on_disconnected(self) -> None:
        log.warning("cluster node %s lost NATS", self._node)

    async def _on_error(self, exc: Exception) -> None:
        log.debug("NATS: %s", exc)

    @property
    def client(self) -> Client:
        if self._client is None:
            raise ClusterUnavailable("the cluster link is not open")
        return self._client

    @property
    def jetstream(self) -> JetStreamContext:
        return self.client.jetstream()

    @property
    def presence(self) -> KeyValue:
        if self._presence is None:
            raise ClusterUnavailable("the cluster link is not open")
        return self._presence

    @property
    def up(self) -> bool:
        """Whether NATS is reachable now (else cross-node work answers 503 at once)."""
        return self._client is not None and self._client.is_connected

    async def close(self) -> None:
        if self._client is not None and not self._client.is_closed:
            try:
                await self._client.drain()
            except Exception as exc:  # closing anyway: a dead broker must not block shutdown
                log.debug("NATS drain failed: %s", exc)
                await self._client.close()
