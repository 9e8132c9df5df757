"""Reads for OCPI pulls: pages of locations, tariffs, sessions and CDRs with their totals.

Every page is filtered on the object's last change (`date_from` inclusive, `date_to`
exclusive), ordered by a stable key and cut with offset and limit, as OCPI pagination wants.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.tables.core import connectors, stations, transactions
from steppe.storage.tables.tariffs import cdrs, tariff_assignments, tariffs


def _window(query: Any, column: Any, date_from: datetime | None, date_to: datetime | None) -> Any:
    if date_from is not None:
        query = query.where(column >= date_from)
    if date_to is not None:
        query = query.where(column < date_to)
    return query


def _located() -> Any:
    """Stations that can be published (they have coordinates), with their last change."""
    changed = (
        select(connectors.c.station_id, func.max(connectors.c.updated_at).label("changed"))
        .group_by(connectors.c.station_id)
        .subquery()
    )
    last = case(
        (changed.c.changed > stations.c.updated_at, changed.c.changed),
        else_=stations.c.updated_at,
    ).label("last_updated")
    query = (
        select(stations, last)
        .select_from(stations.outerjoin(changed, changed.c.station_id == stations.c.id))
        .where(_published())
    )
    return query, last


def _published() -> Any:
    return stations.c.latitude.is_not(None) & stations.c.longitude.is_not(None)


async def locations_page(
    conn: AsyncConnection,
    *,
    date_from: datetime | None,
    date_to: datetime | None,
    offset: int,
    limit: int,
) -> tuple[Sequence[RowMapping], int]:
    """(stations, total matching). With a date window each row has `last_updated` (the
    station's or its connectors' latest change); without one the caller works it out from the
    connectors it reads anyway, which spares grouping every connector of the network."""
    if date_from is None and date_to is None:
        count = select(func.count()).select_from(stations).where(_published())
        total = (await conn.execute(count)).scalar_one()
        page = (
            select(stations).where(_published()).order_by(stations.c.id).offset(offset).limit(limit)
        )
        return (await conn.execute(page)).mappings().all(), int(total)
    query, last = _located()
    query = _window(query, last, date_from, date_to)
    total = (await conn.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    page = query.order_by(stations.c.id).offset(offset).limit(limit)
    return (await conn.execute(page)).mappings().all(), int(total)


async def locations_of(conn: AsyncConnection, station_ids: Sequence[str]) -> Sequence[RowMapping]:
    if not station_ids:
        return []
    query = select(stations).where(_published() & stations.c.id.in_(list(station_ids)))
    return (await conn.execute(query)).mappings().all()


async def location(conn: AsyncConnection, station_id: str) -> RowMapping | None:
    query = select(stations).where(_published() & (stations.c.id == station_id))
    return (await conn.execute(query)).mappings().first()


async def connectors_of(conn: AsyncConnection, station_ids: Sequence[str]) -> Sequence[RowMapping]:
    if not station_ids:
        return []
    c = connectors.c
    query = (
        select(connectors)
        .where(c.station_id.in_(list(station_ids)))
        .order_by(c.station_id, c.evse_id, c.connector_id)
    )
    return (await conn.execute(query)).mappings().all()


async def assignments_of(conn: AsyncConnection, station_ids: Sequence[str]) -> Sequence[RowMapping]:
    if not station_ids:
        return []
    a = tariff_assignments.c
    query = (
        select(a.station_id, a.evse_id, a.tariff_id)
        .where(a.station_id.in_(list(station_ids)))
        .order_by(a.station_id, a.id)
    )
    return (await conn.execute(query)).mappings().all()


async def tariffs_page(
    conn: AsyncConnection,
    *,
    date_from: datetime | None,
    date_to: datetime | None,
    offset: int,
    limit: int,
) -> tuple[Sequence[RowMapping], int]:
    query = _window(select(tariffs), tariffs.c.updated_at, date_from, date_to)
    total = (await conn.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    page = query.order_by(tariffs.c.id).offset(offset).limit(limit)
    return (await conn.execute(page)).mappings().all(), int(total)


async def sessions_page(
    conn: AsyncConnection,
    partner_id: str,
    *,
    date_from: datetime | None,
    date_to: datetime | None,
    offset: int,
    limit: int,
) -> tuple[Sequence[RowMapping], int]:
    t = transactions.c
    query = select(transactions).where(t.ocpi_partner_id == partner_id)
    query = _window(query, t.updated_at, date_from, date_to)
    total = (await conn.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    page = query.order_by(t.id).offset(offset).limit(limit)
    return (await conn.execute(page)).mappings().all(), int(total)


async def cdrs_page(
    conn: AsyncConnection,
    partner_id: str,
    *,
    date_from: datetime | None,
    date_to: datetime | None,
    offset: int,
    limit: int,
) -> tuple[Sequence[RowMapping], int]:
    query = (
        select(cdrs)
        .select_from(cdrs.join(transactions, transactions.c.id == cdrs.c.transaction_pk))
        .where(transactions.c.ocpi_partner_id == partner_id)
    )
    query = _window(query, cdrs.c.created_at, date_from, date_to)
    total = (await conn.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    page = query.order_by(cdrs.c.transaction_pk).offset(offset).limit(limit)
    return (await conn.execute(page)).mappings().all(), int(total)


async def active_roaming(conn: AsyncConnection) -> dict[int, str]:
    """Active transactions that belong to a partner: id -> partner."""
    t = transactions.c
    query = select(t.id, t.ocpi_partner_id).where(
        (t.status == "active") & t.ocpi_partner_id.is_not(None)
    )
    return {int(pk): str(partner) for pk, partner in (await conn.execute(query)).all()}


async def partner_of(conn: AsyncConnection, transaction_pk: int) -> str | None:
    query = select(transactions.c.ocpi_partner_id).where(transactions.c.id == transaction_pk)
    found: str | None = (await conn.execute(query)).scalar()
    return found
