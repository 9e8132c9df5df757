"""The public picture of the network for drivers: accepted stations, their connectors and live
state, and the tariff each EVSE would charge now, read in a few queries for the whole network."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime

from steppe.domain.ports import Clock, CommandSender
from steppe.domain.stations.models import Connector, Station
from steppe.domain.tariffs.models import Tariff
from steppe.domain.vehicles.service import TariffOf, tariff_chooser
from steppe.storage.db import Database
from steppe.storage.repositories import public_map as repo


@dataclass(frozen=True, slots=True)
class PublicStation:
    station: Station
    online: bool
    tariff_of: TariffOf

    def tariffs(self) -> list[Tariff]:
        """The distinct tariffs its EVSEs charge now, in EVSE order."""
        found: dict[str, Tariff] = {}
        for evse in sorted({c.evse_id for c in self.station.connectors}):
            tariff = self.tariff_of(evse)
            if tariff is not None:
                found.setdefault(tariff.id, tariff)
        return list(found.values())


class StationDirectory:
    def __init__(self, db: Database, clock: Clock, connections: CommandSender) -> None:
        self._db = db
        self._clock = clock
        self._connections = connections

    async def stations(self, at: datetime | None = None) -> list[PublicStation]:
        moment = at or self._clock.now()
        async with self._db.connect() as conn:
            rows = await repo.accepted_stations(conn)
            ids = [row["id"] for row in rows]
            connector_rows = await repo.connectors_of(conn, ids)
            assignment_rows = await repo.assignments(conn)
            wanted = sorted({row["tariff_id"] for row in assignment_rows})
            tariff_rows = await repo.tariffs_by_ids(conn, wanted)
        tariffs = {
            row["id"]: replace(Tariff.from_dict(json.loads(row["body"])), last_updated=None)
            for row in tariff_rows
        }
        by_station: dict[str, list[Connector]] = {}
        for c in connector_rows:
            by_station.setdefault(c["station_id"], []).append(Connector.from_row(c))
        assigned: dict[str, dict[int | None, list[str]]] = {}
        for a in assignment_rows:
            assigned.setdefault(a["station_id"], {}).setdefault(a["evse_id"], []).append(
                a["tariff_id"]
            )
        return [
            PublicStation(
                Station.from_row(row, tuple(by_station.get(row["id"], ()))),
                self._connections.is_connected(row["id"]),
                tariff_chooser(assigned.get(row["id"], {}), tariffs, moment),
            )
            for row in rows
        ]
