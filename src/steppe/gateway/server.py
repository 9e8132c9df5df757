"""The OCPP WebSocket server: Steppe's own asyncio server in the application's event loop, each
connection a `StationSocket` on websockets' sans-I/O protocol (ADR 0014)."""

from __future__ import annotations

import asyncio
import logging
import socket
import weakref
from collections.abc import Mapping
from http import HTTPStatus

from websockets.frames import CloseCode
from websockets.http11 import Request

from steppe.config import Settings
from steppe.domain.events import EventType
from steppe.domain.services import Services
from steppe.gateway.auth import Handshake
from steppe.gateway.connection import StationConnection
from steppe.gateway.identity import station_id_from_path
from steppe.gateway.limits import ConnectionCounter, ControlFrames, Lockout, MessageThrottle
from steppe.gateway.logins import LoginGuard
from steppe.gateway.metrics import GatewayMetrics
from steppe.gateway.registry import REPLACED, ConnectionRegistry
from steppe.gateway.tasks import TaskSet
from steppe.gateway.tls import client_address, peer_tls, server_context
from steppe.gateway.websocket import SocketTimeouts, StationSocket
from steppe.ocpp.dispatcher import Dispatcher, VersionHandlers
from steppe.ocpp.session import RpcSession
from steppe.ocpp.validation import SchemaRegistry
from steppe.ocpp.versions import OcppVersion

log = logging.getLogger("steppe.gateway")

# Messages a connection may hold unread before it stops reading from its socket; chargers send
# one call at a time, so a few suffice.
MAX_QUEUE = 4
# Connections the kernel may hold before Steppe accepts them (capped by net.core.somaxconn).
# A reconnect storm arrives all at once: with a short queue the excess SYNs are dropped and each
# charger waits out TCP's retransmission back-off (1, 3, 7, 15, 31 s) before trying again. The
# event loop listens again on the socket it is given (by default with a queue of 100), so the
# server passes it too.
LISTEN_BACKLOG = 4096
# Control frames (ping, pong, close) a client may send: chargers ping every few seconds at most.
CONTROL_FRAMES_PER_SECOND = 5.0
CONTROL_FRAME_BURST = 50


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
        unknown_ids = Lockout(settings.auth_unknown_ids_per_ip, settings.auth_lockout_seconds)
        self._handshake = Handshake(
            services.stations, self.subprotocols, LoginGuard(self.lockout, unknown_ids)
        )
        self._timeouts = SocketTimeouts(
            request=settings.opening_request_timeout,
            handshake=settings.handshake_timeout,
            ping_interval=settings.ping_interval,
            ping_timeout=settings.ping_timeout,
            close=settings.close_timeout,
        )
        self._servers: list[asyncio.Server] = []
        self._sockets: weakref.WeakSet[StationSocket] = weakref.WeakSet()
        self._handlers: set[asyncio.Task[None]] = set()  # one per opening request
        self._closing = False
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

    async def _serve(self, sock: socket.socket, *, tls: bool) -> asyncio.Server:
        context = self.tls if tls else None
        return await asyncio.get_running_loop().create_server(
            self._new_socket,
            sock=sock,
            ssl=context,
            ssl_handshake_timeout=self._timeouts.request if context else None,
            backlog=LISTEN_BACKLOG,
        )

    def _new_socket(self) -> StationSocket:
        s = self._settings
        ws = StationSocket(
            self._opening,
            subprotocols=self.subprotocols,
            max_frame_bytes=s.max_frame_bytes,
            max_queue=MAX_QUEUE,
            timeouts=self._timeouts,
            gate=self.connections,
            controls=ControlFrames(CONTROL_FRAMES_PER_SECOND, CONTROL_FRAME_BURST),
        )
        self._sockets.add(ws)
        return ws

    def _opening(self, ws: StationSocket, request: Request) -> None:
        """An opening request has arrived: check it and, if it is let in, serve the station."""
        if self._closing:
            ws.respond(ws.reject(HTTPStatus.SERVICE_UNAVAILABLE, "server shutting down\n"))
            return
        task = asyncio.get_running_loop().create_task(self._connection(ws, request))
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)

    async def _connection(self, ws: StationSocket, request: Request) -> None:
        transport = ws.transport
        assert transport is not None
        peer = client_address(transport)
        try:
            response = await self._handshake(ws, request, peer, peer_tls(transport))
        except Exception:
            log.exception("checking an opening request from %s failed", peer)
            response = ws.reject(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error\n")
        if response is None:
            response = ws.accept()  # 101, or 400/426 for a request that is no valid upgrade
        if ws.respond(response):
            await self._handle(ws, request, peer)

    async def _handle(self, ws: StationSocket, request: Request, peer: str) -> None:
        station_id = station_id_from_path(request.path)
        if station_id is None or ws.subprotocol is None:  # pragma: no cover - handshake refused
            await ws.close(CloseCode.INTERNAL_ERROR)
            return
        connection: StationConnection | None = None
        bus = self._services.bus
        try:
            version = OcppVersion.from_subprotocol(ws.subprotocol)
            ctx = await self._services.stations.open_context(station_id, version.value)
            session = RpcSession(version, self._schemas)
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
            log.info("[%s] connected from %s with OCPP %s", station_id, peer, version.value)
            bus.publish(EventType.STATION_CONNECTED, station_id, {"ocpp_version": version.value})
            await connection.serve()
        except Exception:
            log.exception("[%s] connection failed", station_id)
            await ws.close(CloseCode.INTERNAL_ERROR, "internal error")
        finally:
            if ws.open:  # not closed and not closing: cancelled
                ws.abort()
            await ws.wait_closed()
            if connection is not None and self.registry.remove(connection):
                bus.publish(EventType.STATION_DISCONNECTED, station_id, {"code": ws.close_code})
            log.info("[%s] disconnected (code %s)", station_id, ws.close_code)

    async def close(self) -> None:
        """Stop listening, close every connection with 1001 (going away), and wait for their
        handlers to finish what they were doing."""
        self._closing = True
        for server in self._servers:
            server.close()
        await asyncio.gather(
            *(ws.close(CloseCode.GOING_AWAY) for ws in tuple(self._sockets)),
            return_exceptions=True,
        )
        await asyncio.gather(*self._handlers, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()
        await self._tasks.cancel()
