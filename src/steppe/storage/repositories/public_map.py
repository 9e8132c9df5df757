"""What the public pages read at once: every accepted station with its connectors, and the
tariffs assigned to them (a few queries for the whole network, not a few per station)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.tables.core import connectors, stations
from steppe.storage.tables.tariffs import tariff_assignments, tariffs

MOST_STATIONS = 5000


async def accepted_stations(conn: AsyncConnection) -> Sequence[RowMapping]:
    query = (
        select(stations)
        .where(stations.c.registration == "accepted")
        .order_by(stations.c.city, stations.c.name, stations.c.id)
        .limit(MOST_STATIONS)
    )
    return (await conn.execute(query)).mappings().all()


async def connectors_of(conn: AsyncConnection, station_ids: Sequence[str]) -> Sequence[RowMapping]:
    out: list[RowMapping] = []
    for start in range(0, len(station_ids), 500):
        chunk = list(station_ids[start : start + 500])
        query = (
            select(connectors)
            .where(connectors.c.station_id.in_(chunk))
            .order_by(connectors.c.station_id, connectors.c.evse_id, connectors.c.connector_id)
        )
        out.extend((await conn.execute(query)).mappings().all())
    return out


async def assignments(conn: AsyncConnection) -> Sequence[RowMapping]:
    query = select(tariff_assignments).order_by(tariff_assignments.c.id)
    return (await conn.execute(query)).mappings().all()


async def tariffs_by_ids(conn: AsyncConnection, ids: Sequence[str]) -> Sequence[RowMapping]:
    if not ids:
        return []
    query = select(tariffs).where(tariffs.c.id.in_(list(ids)))
    return (await conn.execute(query)).mappings().all()
