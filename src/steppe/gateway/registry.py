"""Live connections: station id -> connection. A reconnect replaces (and closes) the old one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

from steppe.errors import StationNotConnected

if TYPE_CHECKING:
    from steppe.gateway.connection import StationConnection


REPLACED = 4000  # private-use close code: a newer connection of the same station took over


class ConnectionObserver(Protocol):
    """Told of every station that comes online here and goes (cluster mode's presence)."""

    def opened(self, station_id: str, version: str) -> None: ...

    def closed(self, station_id: str) -> None: ...


class ConnectionRegistry:
    """Also the domain's `CommandSender`: commands reach a station through its live connection."""

    def __init__(self, observer: ConnectionObserver | None = None) -> None:
        self._live: dict[str, StationConnection] = {}
        self._observer = observer

    def replace(self, connection: StationConnection) -> StationConnection | None:
        """Make `connection` the station's live one and return the one it replaces."""
        old = self._live.get(connection.station_id)
        self._live[connection.station_id] = connection
        if self._observer is not None:
            self._observer.opened(connection.station_id, connection.version.value)
        return old

    def remove(self, connection: StationConnection) -> bool:
        """Forget `connection` if it is still the live one (a replaced one is already gone)."""
        if self._live.get(connection.station_id) is connection:
            del self._live[connection.station_id]
            if self._observer is not None:
                self._observer.closed(connection.station_id)
            return True
        return False

    async def release(self, station_id: str, reason: str) -> None:
        """Close the station's connection here: it has connected again somewhere else."""
        connection = self._live.get(station_id)
        if connection is not None:
            await connection.close(REPLACED, reason)

    def get(self, station_id: str) -> StationConnection | None:
        return self._live.get(station_id)

    def __len__(self) -> int:
        return len(self._live)

    def __iter__(self) -> Iterator[StationConnection]:
        return iter(tuple(self._live.values()))

    def is_connected(self, station_id: str) -> bool:
        return station_id in self._live

    def version_of(self, station_id: str) -> str | None:
        connection = self._live.get(station_id)
        return None if connection is None else connection.version.value

    async def call(
        self, station_id: str, action: str, payload: dict[str, Any], *, timeout: float | None = None
    ) -> dict[str, Any]:
        connection = self._live.get(station_id)
        if connection is None:
            raise StationNotConnected(f"station {station_id!r} is not connected")
        return await connection.call(action, payload, timeout=timeout)
