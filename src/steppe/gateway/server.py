"""The OCPP WebSocket server: a standalone `websockets` server in the application's event loop."""

from __future__ import annotations

import logging
import socket
from collections.abc import Mapping
from typing import cast

from websockets.asyncio.server import Server, ServerConnection, serve

from steppe.config import Settings
from steppe.domain.events import EventType
from steppe.domain.services import Services
from steppe.gateway.auth import Handshake, client_address
from steppe.gateway.connection import StationConnection
from steppe.gateway.fastpath import OcppServerConnection
from steppe.gateway.identity import station_id_from_path
from steppe.gateway.limits import ConnectionCounter, Lockout, MessageThrottle
from steppe.gateway.metrics import GatewayMetrics
from steppe.gateway.registry import ConnectionRegistry
from steppe.gateway.tasks import TaskSet
from steppe.gateway.tls import server_context
from steppe.ocpp.dispatcher import Dispatcher, VersionHandlers
from steppe.ocpp.session import RpcSession
from steppe.ocpp.validation import SchemaRegistry
from steppe.ocpp.versions import OcppVersion

log = logging.getLogger("steppe.gateway")

# Frames a connection may hold unread; chargers send one call at a time, so a few suffice.
MAX_QUEUE = 4
# Connections the kernel may hold before Steppe accepts them (capped by net.core.somaxconn).
# A reconnect storm arrives all at once: with a short queue the excess SYNs are dropped and each
# charger waits out TCP's retransmission back-off (1, 3, 7, 15, 31 s) before trying again. The
# event loop listens again on the socket it is given (by default with a queue of 100), so the
# server passes it too.
LISTEN_BACKLOG = 4096
REPLACED = 4000  # private-use close code: a newer connection of the same station took over


class OcppServer:
    def __init__(
        self,
        settings: Settings,
        services: Services,
        handlers: Mapping[OcppVersion, VersionHandlers],
        schemas: SchemaRegistry,
        registry: ConnectionRegistry,
        *,
        metrics: GatewayMetrics,
        tasks: TaskSet,
    ) -> None:
        self._settings = settings
        self._services = services
        self._schemas = schemas
        self.registry = registry
        self.dispatcher = Dispatcher(handlers, schemas)
        self.metrics = metrics
        self._tasks = tasks
        newest_first = sorted(handlers, key=lambda v: v.value, reverse=True)
        self.subprotocols = tuple(v.subprotocol for v in newest_first)
        self.tls = server_context(settings)
        self.connections = ConnectionCounter(settings.max_connections_per_ip)
        self.lockout = Lockout(settings.auth_lockout_failures, settings.auth_lockout_seconds)
        self._handshake = Handshake(
            services.stations,
            self.subprotocols,
            lockout=self.lockout,
            connections=self.connections,
        )
        self._servers: list[Server] = []
        self.plain_port: int | None = None

    @property
    def wants_plain_port(self) -> bool:
        """With TLS on the OCPP port, profile-1 stations may use a second, plain port."""
        return self.tls is not None and self._settings.ocpp_plain_port is not None

    async def start(self, sock: socket.socket, plain_sock: socket.socket | None = None) -> None:
        """Serve on `sock` (TLS when configured) and, given one, plain ws:// on `plain_sock`."""
        self._servers.append(await self._serve(sock, tls=True))
        if plain_sock is not None:
            self.plain_port = plain_sock.getsockname()[1]
            self._servers.append(await self._serve(plain_sock, tls=False))

    async def _serve(self, sock: socket.socket, *, tls: bool) -> Server:
        s = self._settings
        return await serve(
            self._handle,
            sock=sock,
            ssl=self.tls if tls else None,
            process_request=self._handshake,
            select_subprotocol=self._handshake.select_subprotocol,
            compression=None,
            max_size=s.max_frame_bytes,
            max_queue=MAX_QUEUE,
            open_timeout=s.handshake_timeout,
            ping_interval=s.ping_interval,
            ping_timeout=s.ping_timeout,
            close_timeout=s.close_timeout,
            server_header=None,
            backlog=LISTEN_BACKLOG,
            create_connection=OcppServerConnection,
        )

    async def _handle(self, websocket: ServerConnection) -> None:
        ws = cast(OcppServerConnection, websocket)  # `serve` makes them (create_connection)
        station_id = station_id_from_path(ws.request.path if ws.request else "")
        if station_id is None or ws.subprotocol is None:  # pragma: no cover - handshake refused
            return
        version = OcppVersion.from_subprotocol(ws.subprotocol)
        ctx = await self._services.stations.open_context(station_id, version.value)
        session = RpcSession(version, self._schemas, call_timeout=self._settings.call_timeout)
        s = self._settings
        connection = StationConnection(
            ws,
            session,
            ctx,
            self.dispatcher,
            default_timeout=s.call_timeout,
            throttle=MessageThrottle(s.max_messages_per_second, s.message_burst),
            metrics=self.metrics,
        )
        old = self.registry.replace(connection)
        if old is not None:
            log.info("[%s] new connection replaces the old one", station_id)
            await old.close(REPLACED, "replaced by a new connection")
        await self._services.stations.record_version(station_id, version.value)
        peer = client_address(ws)
        log.info("[%s] connected from %s with OCPP %s", station_id, peer, version.value)
        bus = self._services.bus
        bus.publish(EventType.STATION_CONNECTED, station_id, {"ocpp_version": version.value})
        self.connections.opened(peer)
        try:
            await connection.serve()
        finally:
            self.connections.closed(peer)
            if self.registry.remove(connection):
                bus.publish(EventType.STATION_DISCONNECTED, station_id, {"code": ws.close_code})
            log.info("[%s] disconnected (code %s)", station_id, ws.close_code)

    async def close(self) -> None:
        """Close every connection with 1001 (going away) and stop listening."""
        for server in self._servers:
            server.close(close_connections=True)
        for server in self._servers:
            await server.wait_closed()
        await self._tasks.cancel()
