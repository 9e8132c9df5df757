"""Network-wide figures for the console: counts by state, energy and revenue per hour, the map,
and the station search with its filters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, and_, case, cast, exists, func, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement, Select

from steppe.storage.tables.core import connectors, meter_values, stations, transactions
from steppe.storage.tables.tariffs import cdrs

FAULTED = "Faulted"
# Revenue is added up in thousandths of the currency's unit: exact for every currency (none has
# more than three decimals) and the same sum on SQLite, which has no exact decimal type.
MILLI = 1000


def _hour(conn: AsyncConnection, column: Any) -> ColumnElement[str]:
    """`YYYY-MM-DD HH` of a UTC timestamp column."""
    if conn.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24")
    return func.substr(column, 1, 13)  # SQLite keeps `YYYY-MM-DD HH:MM:SS.ffffff`


async def station_counts(conn: AsyncConnection) -> dict[str, int]:
    """Stations in all, pending ones, and faulted ones (the station or one of its connectors)."""
    totals = (
        await conn.execute(
            select(
                func.count(),
                func.coalesce(
                    func.sum(case((stations.c.registration == "pending", 1), else_=0)), 0
                ),
            ).select_from(stations)
        )
    ).one()
    faulted = (
        await conn.execute(select(func.count()).select_from(stations).where(_faulted_condition()))
    ).scalar_one()
    return {"total": int(totals[0]), "pending": int(totals[1]), "faulted": int(faulted)}


def _faulted_condition() -> ColumnElement[bool]:
    connector_fault = exists().where(
        (connectors.c.station_id == stations.c.id) & (connectors.c.status == FAULTED)
    )
    return or_(stations.c.status == FAULTED, connector_fault)


async def connector_statuses(conn: AsyncConnection) -> dict[str | None, int]:
    query = select(connectors.c.status, func.count()).group_by(connectors.c.status)
    return {row[0]: int(row[1]) for row in (await conn.execute(query)).all()}


async def hourly_energy(
    conn: AsyncConnection, since: datetime, until: datetime
) -> list[tuple[str, int]]:
    """Energy of the transactions that ended in [since, until), per UTC hour they ended in."""
    hour = _hour(conn, transactions.c.stopped_at).label("hour")
    query = (
        select(hour, func.coalesce(func.sum(transactions.c.energy_wh), 0))
        .where((transactions.c.stopped_at >= since) & (transactions.c.stopped_at < until))
        .group_by(hour)
    )
    return [(row[0], int(row[1])) for row in (await conn.execute(query)).all()]


async def hourly_revenue(
    conn: AsyncConnection, since: datetime, until: datetime
) -> list[tuple[str, str, int]]:
    """(hour, currency, thousandths incl. VAT) of the CDRs of sessions ended in [since, until)."""
    hour = _hour(conn, cdrs.c.stopped_at).label("hour")
    milli = cast(func.round(cast(cdrs.c.total_incl_vat, Float) * MILLI), BigInteger)
    query = (
        select(hour, cdrs.c.currency, func.sum(milli))
        .where((cdrs.c.stopped_at >= since) & (cdrs.c.stopped_at < until))
        .group_by(hour, cdrs.c.currency)
    )
    return [(row[0], row[1], int(row[2] or 0)) for row in (await conn.execute(query)).all()]


async def map_points(conn: AsyncConnection) -> tuple[Sequence[Any], set[str]]:
    """Every station that has a position, as (id, name, city, latitude, longitude,
    registration, status) tuples, and the ids of stations with a faulted connector (two plain
    queries: for 10,000 stations cheaper than asking each row about its connectors)."""
    located = select(
        stations.c.id,
        stations.c.name,
        stations.c.city,
        stations.c.latitude,
        stations.c.longitude,
        stations.c.registration,
        stations.c.status,
    ).where(stations.c.latitude.is_not(None) & stations.c.longitude.is_not(None))
    faulted = select(connectors.c.station_id).where(connectors.c.status == FAULTED).distinct()
    rows = (await conn.execute(located)).all()
    return rows, set((await conn.execute(faulted)).scalars().all())


async def cities(conn: AsyncConnection) -> list[str]:
    query = (
        select(stations.c.city)
        .where(stations.c.city.is_not(None))
        .distinct()
        .order_by(stations.c.city)
    )
    return [row[0] for row in (await conn.execute(query)).all()]


def _search(
    query: Select[Any],
    *,
    text: str | None,
    city: str | None,
    standard: str | None,
    ocpp_version: str | None,
    faulted: bool,
    pending: bool,
    among: Sequence[str] | None = None,
    besides: Sequence[str] | None = None,
) -> Select[Any]:
    if text:
        pattern = f"%{text.replace('%', '').replace('_', '')}%"
        query = query.where(
            or_(
                stations.c.id.ilike(pattern),
                stations.c.name.ilike(pattern),
                stations.c.address.ilike(pattern),
            )
        )
    if city:
        query = query.where(stations.c.city == city)
    if ocpp_version:
        query = query.where(stations.c.ocpp_version == ocpp_version)
    if standard:
        query = query.where(
            exists().where(
                and_(connectors.c.station_id == stations.c.id, connectors.c.standard == standard)
            )
        )
    if faulted:
        query = query.where(_faulted_condition())
    if pending:
        query = query.where(stations.c.registration == "pending")
    if among is not None:
        query = query.where(stations.c.id.in_(list(among)))
    if besides:
        query = query.where(stations.c.id.not_in(list(besides)))
    return query


async def search_page(
    conn: AsyncConnection, *, offset: int, limit: int, **filters: Any
) -> tuple[Sequence[RowMapping], int]:
    """One page of the stations matching `filters`, by id, and how many match in all."""
    page = _search(select(stations), **filters).order_by(stations.c.id).offset(offset).limit(limit)
    total = _search(select(func.count()).select_from(stations), **filters)
    rows = (await conn.execute(page)).mappings().all()
    return rows, int((await conn.execute(total)).scalar_one())


async def search_ids(conn: AsyncConnection, **filters: Any) -> list[str]:
    """Every matching station id, in order (for filters the database cannot apply itself)."""
    query = _search(select(stations.c.id), **filters).order_by(stations.c.id)
    return [row[0] for row in (await conn.execute(query)).all()]


async def latest_readings(
    conn: AsyncConnection, transaction_pks: Sequence[int], measurands: Sequence[str]
) -> dict[tuple[int, str], tuple[datetime, str]]:
    """The newest whole-meter value of each measurand of each transaction."""
    if not transaction_pks:
        return {}
    newest = (
        select(
            meter_values.c.transaction_id,
            meter_values.c.measurand,
            func.max(meter_values.c.timestamp).label("at"),
        )
        .where(
            meter_values.c.transaction_id.in_(list(transaction_pks))
            & meter_values.c.measurand.in_(list(measurands))
            & (meter_values.c.phase == "")
        )
        .group_by(meter_values.c.transaction_id, meter_values.c.measurand)
        .subquery()
    )
    query = (
        select(
            meter_values.c.transaction_id,
            meter_values.c.measurand,
            meter_values.c.timestamp,
            meter_values.c.value,
        )
        .join(
            newest,
            (meter_values.c.transaction_id == newest.c.transaction_id)
            & (meter_values.c.measurand == newest.c.measurand)
            & (meter_values.c.timestamp == newest.c.at),
        )
        .where(meter_values.c.phase == "")
    )
    return {(int(row[0]), row[1]): (row[2], row[3]) for row in (await conn.execute(query)).all()}
