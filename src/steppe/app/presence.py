"""Who is online, for the pages: the live connections seen as a set of station ids."""

from __future__ import annotations

from steppe.gateway.registry import ConnectionRegistry


class RegistryPresence:
    """The web layer's `Presence`, read from the gateway's connection registry."""

    def __init__(self, registry: ConnectionRegistry) -> None:
        self._registry = registry

    def is_connected(self, station_id: str) -> bool:
        return self._registry.is_connected(station_id)

    def version_of(self, station_id: str) -> str | None:
        return self._registry.version_of(station_id)

    def connected_ids(self) -> frozenset[str]:
        return frozenset(connection.station_id for connection in self._registry)
