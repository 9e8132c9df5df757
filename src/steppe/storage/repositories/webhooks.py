"""Webhook subscriptions and the log of their deliveries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.tables.operator import webhook_deliveries, webhooks
from steppe.types import DeliveryStatus


async def insert(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(webhooks.insert().values(**values))


async def get(conn: AsyncConnection, webhook_id: str) -> RowMapping | None:
    query = select(webhooks).where(webhooks.c.id == webhook_id)
    return (await conn.execute(query)).mappings().first()


async def list_active(conn: AsyncConnection) -> Sequence[RowMapping]:
    query = select(webhooks).where(webhooks.c.active.is_(True)).order_by(webhooks.c.created_at)
    return (await conn.execute(query)).mappings().all()


async def delete(conn: AsyncConnection, webhook_id: str) -> int:
    await conn.execute(
        webhook_deliveries.delete().where(webhook_deliveries.c.webhook_id == webhook_id)
    )
    result = await conn.execute(webhooks.delete().where(webhooks.c.id == webhook_id))
    return int(result.rowcount)


async def insert_delivery(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(webhook_deliveries.insert().values(**values))


async def update_delivery(
    conn: AsyncConnection, delivery_id: str, values: Mapping[str, Any]
) -> None:
    await conn.execute(
        webhook_deliveries.update().where(webhook_deliveries.c.id == delivery_id).values(**values)
    )


async def webhooks_with_due(conn: AsyncConnection, now: datetime) -> list[str]:
    """Ids of the webhooks that have a delivery due by `now`."""
    d = webhook_deliveries.c
    query = (
        select(d.webhook_id)
        .where((d.status == DeliveryStatus.PENDING.value) & (d.next_attempt_at <= now))
        .distinct()
    )
    return [str(row[0]) for row in await conn.execute(query)]


async def due_deliveries(
    conn: AsyncConnection, now: datetime, limit: int, *, webhook_id: str
) -> Sequence[RowMapping]:
    """One webhook's pending deliveries whose next attempt is due, oldest first, with its
    target."""
    query = (
        select(
            webhook_deliveries,
            webhooks.c.url,
            webhooks.c.secret,
        )
        .join(webhooks, webhooks.c.id == webhook_deliveries.c.webhook_id)
        .where(
            (webhook_deliveries.c.status == DeliveryStatus.PENDING.value)
            & (webhook_deliveries.c.next_attempt_at <= now)
            & (webhook_deliveries.c.webhook_id == webhook_id)
        )
        .order_by(webhook_deliveries.c.next_attempt_at)
        .limit(limit)
    )
    return (await conn.execute(query)).mappings().all()


async def deliveries_of(
    conn: AsyncConnection, webhook_id: str, *, before: datetime | None, limit: int
) -> Sequence[RowMapping]:
    query = (
        select(webhook_deliveries)
        .where(webhook_deliveries.c.webhook_id == webhook_id)
        .order_by(webhook_deliveries.c.created_at.desc(), webhook_deliveries.c.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(webhook_deliveries.c.created_at < before)
    return (await conn.execute(query)).mappings().all()
