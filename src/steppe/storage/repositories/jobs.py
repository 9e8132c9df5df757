"""Station jobs (firmware, logs, publications) and firmware rollouts."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.group_commit import Batch
from steppe.storage.tables.station_state import firmware_rollouts, station_jobs

OPEN = ("queued", "sent", "accepted")


async def insert(conn: AsyncConnection, values: Mapping[str, Any]) -> int:
    result = await conn.execute(station_jobs.insert().values(**values).returning(station_jobs.c.id))
    return int(result.scalar_one())


async def insert_many(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    await conn.execute(station_jobs.insert(), list(rows))


async def get(conn: AsyncConnection, job_id: int) -> RowMapping | None:
    result = await conn.execute(select(station_jobs).where(station_jobs.c.id == job_id))
    return result.mappings().first()


async def find(
    conn: AsyncConnection, station_id: str, kind: str, request_id: int | None
) -> RowMapping | None:
    """The job a notification is about: by its request id, or (1.6 notifications carry none)
    the station's newest open job of the kind."""
    query = select(station_jobs).where(
        (station_jobs.c.station_id == station_id) & (station_jobs.c.kind == kind)
    )
    if request_id is not None:
        query = query.where(station_jobs.c.request_id == request_id)
    else:
        query = query.where(station_jobs.c.status.in_(OPEN))
    result = await conn.execute(query.order_by(station_jobs.c.id.desc()).limit(1))
    return result.mappings().first()


async def update(conn: AsyncConnection, job_id: int, values: Mapping[str, Any]) -> None:
    await conn.execute(station_jobs.update().where(station_jobs.c.id == job_id).values(**values))


async def update_unless(
    conn: AsyncConnection, job_id: int, values: Mapping[str, Any], finished: Collection[str]
) -> None:
    """Update a job that is not in one of the `finished` statuses when the row is written: a
    station's news committed meanwhile (through the group committer) is never overwritten."""
    await conn.execute(
        station_jobs.update()
        .where(station_jobs.c.id == job_id, station_jobs.c.status.not_in(list(finished)))
        .values(**values)
    )


def update_later(batch: Batch, job_id: int, values: Mapping[str, Any]) -> None:
    batch.update_later(station_jobs, {"id": job_id}, values)


async def of_station(
    conn: AsyncConnection, station_id: str, kind: str | None, limit: int
) -> Sequence[RowMapping]:
    query = select(station_jobs).where(station_jobs.c.station_id == station_id)
    if kind is not None:
        query = query.where(station_jobs.c.kind == kind)
    return (
        (await conn.execute(query.order_by(station_jobs.c.id.desc()).limit(limit))).mappings().all()
    )


async def of_rollout(
    conn: AsyncConnection, rollout_id: str, wave: int | None = None
) -> Sequence[RowMapping]:
    query = select(station_jobs).where(station_jobs.c.rollout_id == rollout_id)
    if wave is not None:
        query = query.where(station_jobs.c.wave == wave)
    return (await conn.execute(query.order_by(station_jobs.c.id))).mappings().all()


async def counts(conn: AsyncConnection, rollout_id: str) -> dict[str, int]:
    query = (
        select(station_jobs.c.status, func.count())
        .where(station_jobs.c.rollout_id == rollout_id)
        .group_by(station_jobs.c.status)
    )
    return {row[0]: int(row[1]) for row in (await conn.execute(query)).all()}


async def insert_rollout(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(firmware_rollouts.insert().values(**values))


async def get_rollout(conn: AsyncConnection, rollout_id: str) -> RowMapping | None:
    result = await conn.execute(
        select(firmware_rollouts).where(firmware_rollouts.c.id == rollout_id)
    )
    return result.mappings().first()


async def update_rollout(conn: AsyncConnection, rollout_id: str, values: Mapping[str, Any]) -> None:
    await conn.execute(
        firmware_rollouts.update().where(firmware_rollouts.c.id == rollout_id).values(**values)
    )


async def rollouts(conn: AsyncConnection, *, running_only: bool = False) -> Sequence[RowMapping]:
    query = select(firmware_rollouts).order_by(firmware_rollouts.c.created_at.desc())
    if running_only:
        query = query.where(firmware_rollouts.c.status == "running")
    return (await conn.execute(query)).mappings().all()
