"""The OCPP WebSocket server: a standalone `websockets` server in the application's event loop."""

from __future__ import annotations

import logging
import socket
from collections.abc import Mapping

from websockets.asyncio.server import Server, ServerConnection, serve

from steppe.config import Settings
from steppe.domain.services import Services
from steppe.gateway.auth import Handshake
from steppe.gateway.connection import StationConnection
from steppe.gateway.identity import station_id_from_path
from steppe.gateway.registry import ConnectionRegistry
from steppe.ocpp.dispatcher import Dispatcher, VersionHandlers
from steppe.ocpp.session import RpcSession
from steppe.ocpp.validation import SchemaRegistry
from steppe.ocpp.versions import OcppVersion

log = logging.getLogger("steppe.gateway")

# Frames a connection may hold unread; chargers send one call at a time, so a few suffice.
MAX_QUEUE = 4
REPLACED = 4000  # private-use close code: a newer connection of the same station took over


class OcppServer:
    def __init__(
        self,
        settings: Settings,
        services: Services,
        handlers: Mapping[OcppVersion, VersionHandlers],
        schemas: SchemaRegistry,
        registry: ConnectionRegistry,
    ) -> None:
        self._settings = settings
        self._services = services
        self._schemas = schemas
        self.registry = registry
        self.dispatcher = Dispatcher(handlers, schemas)
        newest_first = sorted(handlers, key=lambda v: v.value, reverse=True)
        self.subprotocols = tuple(v.subprotocol for v in newest_first)
        self._handshake = Handshake(services.stations, self.subprotocols)
        self._server: Server | None = None

    async def start(self, sock: socket.socket) -> None:
        s = self._settings
        self._server = await serve(
            self._handle,
            sock=sock,
            process_request=self._handshake,
            select_subprotocol=self._handshake.select_subprotocol,
            compression=None,
            max_size=s.max_frame_bytes,
            max_queue=MAX_QUEUE,
            ping_interval=s.ping_interval,
            ping_timeout=s.ping_timeout,
            close_timeout=s.close_timeout,
            server_header=None,
        )

    async def _handle(self, ws: ServerConnection) -> None:
        station_id = station_id_from_path(ws.request.path if ws.request else "")
        if station_id is None or ws.subprotocol is None:  # pragma: no cover - handshake refused
            return
        version = OcppVersion.from_subprotocol(ws.subprotocol)
        ctx = await self._services.stations.open_context(station_id, version.value)
        session = RpcSession(version, self._schemas, call_timeout=self._settings.call_timeout)
        connection = StationConnection(
            ws, session, ctx, self.dispatcher, default_timeout=self._settings.call_timeout
        )
        old = self.registry.replace(connection)
        if old is not None:
            log.info("[%s] new connection replaces the old one", station_id)
            await old.close(REPLACED, "replaced by a new connection")
        peer = ws.remote_address[0] if ws.remote_address else "?"
        log.info("[%s] connected from %s with OCPP %s", station_id, peer, version.value)
        bus = self._services.bus
        bus.publish("station.connected", station_id, {"ocpp_version": version.value})
        try:
            await connection.serve()
        finally:
            if self.registry.remove(connection):
                bus.publish("station.disconnected", station_id, {"code": ws.close_code})
            log.info("[%s] disconnected (code %s)", station_id, ws.close_code)

    async def close(self) -> None:
        """Close every connection with 1001 (going away) and stop listening."""
        if self._server is not None:
            self._server.close(close_connections=True)
            await self._server.wait_closed()
