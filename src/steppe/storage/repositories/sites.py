"""Sites under load management and the stations on each (a station is on one site at most)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.tables.sites import site_stations, sites


async def get(conn: AsyncConnection, site_id: str) -> RowMapping | None:
    return (await conn.execute(select(sites).where(sites.c.id == site_id))).mappings().first()


async def all_sites(conn: AsyncConnection) -> Sequence[RowMapping]:
    return (await conn.execute(select(sites).order_by(sites.c.id))).mappings().all()


async def owners(conn: AsyncConnection, station_ids: Sequence[str]) -> Mapping[str, str]:
    """The site each of these stations is on, for those on one."""
    query = select(site_stations).where(site_stations.c.station_id.in_(list(station_ids)))
    rows = (await conn.execute(query)).mappings().all()
    return {row["station_id"]: row["site_id"] for row in rows}


async def put(
    conn: AsyncConnection, site_id: str, body: str, station_ids: Sequence[str], now: datetime
) -> bool:
    """Create or replace a site and its list of stations; True when it is new."""
    existing = await get(conn, site_id)
    values: dict[str, Any] = {"body": body, "updated_at": now}
    if existing is None:
        await conn.execute(sites.insert().values(id=site_id, created_at=now, **values))
    else:
        await conn.execute(sites.update().where(sites.c.id == site_id).values(**values))
    await conn.execute(delete(site_stations).where(site_stations.c.site_id == site_id))
    if station_ids:
        rows = [{"station_id": s, "site_id": site_id} for s in station_ids]
        await conn.execute(site_stations.insert(), rows)
    return existing is None


async def remove(conn: AsyncConnection, site_id: str) -> int:
    await conn.execute(delete(site_stations).where(site_stations.c.site_id == site_id))
    result = await conn.execute(delete(sites).where(sites.c.id == site_id))
    return int(result.rowcount)
