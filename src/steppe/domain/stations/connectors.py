"""What each connector is: standard, cable or socket, power. OCPP does not say (1.6 has no such
field, 2.0.1 lacks AC GB/T), so the operator declares it and Steppe keeps it beside the live state.

Standards are OCPI 2.2.1 ConnectorType names; the common names operators use are accepted too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from steppe.domain.ports import Clock
from steppe.domain.stations.models import Connector
from steppe.domain.stations.service import StationChanges
from steppe.errors import InvalidInput, NotFound
from steppe.storage.db import Database
from steppe.storage.group_commit import Batch
from steppe.storage.repositories import stations as repo

STANDARDS = (
    "CHADEMO",
    "CHAOJI",
    "DOMESTIC_F",
    "GBT_AC",
    "GBT_DC",
    "IEC_62196_T1",
    "IEC_62196_T1_COMBO",
    "IEC_62196_T2",
    "IEC_62196_T2_COMBO",
    "IEC_62196_T3C",
    "NACS",
    "TESLA_S",
)
ALIASES = {
    "GB/T AC": "GBT_AC",
    "GB/T DC": "GBT_DC",
    "CCS1": "IEC_62196_T1_COMBO",
    "CCS2": "IEC_62196_T2_COMBO",
    "TYPE 1": "IEC_62196_T1",
    "TYPE 2": "IEC_62196_T2",
    "TYPE1": "IEC_62196_T1",
    "TYPE2": "IEC_62196_T2",
    "SCHUKO": "DOMESTIC_F",
}
FORMATS = ("SOCKET", "CABLE")
POWER_TYPES = ("AC_1_PHASE", "AC_3_PHASE", "DC")


def standard_name(value: str) -> str:
    """The OCPI name of a connector standard, from itself or a common name ("CCS2", "GB/T DC")."""
    upper = value.strip().upper()
    name = ALIASES.get(upper, upper)
    if name not in STANDARDS:
        known = ", ".join((*STANDARDS, *sorted(ALIASES)))
        raise InvalidInput(f"standard: unknown connector standard {value!r}; use one of {known}")
    return name


@dataclass(frozen=True, slots=True)
class ConnectorSpec:
    evse_id: int
    connector_id: int
    standard: str
    format: str
    power_type: str | None
    max_power_kw: Decimal


class ConnectorLayout:
    """Declares a station's EVSEs and connectors; the live status of each stays as reported."""

    def __init__(self, db: Database, clock: Clock, *, changes: StationChanges) -> None:
        self._db = db
        self._clock = clock
        self._changes = changes

    async def get(self, station_id: str) -> list[Connector]:
        async with self._db.connect() as conn:
            if await repo.get(conn, station_id) is None:
                raise NotFound(f"station {station_id!r} does not exist")
            rows = await repo.connectors_of(conn, station_id)
        return [Connector.from_row(row) for row in rows]

    async def replace(self, station_id: str, specs: Sequence[ConnectorSpec]) -> list[Connector]:
        """Make `specs` the station's connectors: others are removed, listed ones updated."""
        seen: set[tuple[int, int]] = set()
        for spec in specs:
            key = (spec.evse_id, spec.connector_id)
            if key in seen:
                raise InvalidInput(f"connectors: evse {key[0]} connector {key[1]} given twice")
            seen.add(key)
        now = self._clock.now()
        async with self._db.begin() as conn:
            if await repo.get(conn, station_id) is None:
                raise NotFound(f"station {station_id!r} does not exist")
            for row in await repo.connectors_of(conn, station_id):
                if (row["evse_id"], row["connector_id"]) not in seen:
                    await repo.delete_connector(
                        conn, station_id, row["evse_id"], row["connector_id"]
                    )
            for spec in specs:
                values = {
                    "standard": spec.standard,
                    "format": spec.format,
                    "power_type": spec.power_type,
                    "max_power_kw": str(spec.max_power_kw),
                }
                await repo.upsert_connector(
                    conn, station_id, spec.evse_id, spec.connector_id, values, updated_at=now
                )
            await self._changes.station_changed(Batch(conn), station_id)
        return await self.get(station_id)
