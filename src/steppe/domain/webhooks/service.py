"""Webhook subscriptions and their deliveries: what to send, to whom, and how each try went.

A delivery is written when its event happens and then tried until the receiver answers 2xx or
the tries run out; the wait before each retry doubles.
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from steppe.domain.events import Event, EventType
from steppe.domain.ports import Cached, Changes, Clock, NoOtherNodes
from steppe.domain.webhooks.destinations import DestinationPolicy
from steppe.errors import InvalidInput, NotFound
from steppe.storage.db import Database
from steppe.storage.repositories import webhooks as repo
from steppe.types import DeliveryStatus

SIGNATURE_HEADER = "X-Steppe-Signature"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value, `t=<unix seconds>,v1=<hex HMAC-SHA256>`, over the timestamp,
    a dot and the raw body: a receiver that checks the time can refuse a replayed delivery."""
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass(frozen=True, slots=True)
class Webhook:
    id: str
    url: str
    types: tuple[str, ...] | None
    created_by: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Webhook:
        types = json.loads(row["types"]) if row["types"] else None
        return cls(row["id"], row["url"], tuple(types) if types else None, row["created_by"],
                   row["created_at"])  # fmt: skip

    def wants(self, event_type: str) -> bool:
        return self.types is None or event_type in self.types


@dataclass(frozen=True, slots=True)
class Delivery:
    id: str
    webhook_id: str
    event_type: str
    event_id: int
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> Delivery:
        return cls(
            id=row["id"],
            webhook_id=row["webhook_id"],
            event_type=row["event_type"],
            event_id=row["event_id"],
            status=row["status"],
            attempts=row["attempts"],
            last_status_code=row["last_status_code"],
            last_error=row["last_error"],
            next_attempt_at=row["next_attempt_at"],
            created_at=row["created_at"],
            delivered_at=row["delivered_at"],
        )


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A delivery to try now: where, with which secret, what body."""

    id: str
    event_type: str
    url: str
    secret: str
    body: bytes
    attempts: int


class WebhookService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        destinations: DestinationPolicy,
        *,
        max_attempts: int,
        retry_delay: float,
        changes: Changes | None = None,
    ) -> None:
        self._changes = changes or NoOtherNodes()
        self._db = db
        self._clock = clock
        self.destinations = destinations
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self._active: builtins.list[Webhook] | None = None  # cached; reset on every change
        self._wanted: dict[str, bool] = {}  # event type -> some active webhook wants it

    async def create(
        self,
        url: str,
        secret: str,
        types: Sequence[str] | None,
        *,
        created_by: str | None = None,
    ) -> Webhook:
        parts = urlsplit(url)
        try:
            parts.port  # noqa: B018 - raises for a port that is not a number
        except ValueError:
            raise InvalidInput("url: the port is not a number") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidInput("url: give an absolute http:// or https:// URL")
        await self.destinations.check_new(url)
        if len(secret) < 16:
            raise InvalidInput("secret: use at least 16 characters")
        unknown = sorted(set(types or ()) - {str(t) for t in EventType})
        if unknown:
            raise InvalidInput(f"types: unknown event types {', '.join(unknown)}")
        values = {
            "id": secrets.token_hex(8),
            "url": url,
            "secret": secret,
            "types": json.dumps(sorted(set(types))) if types else None,
            "active": True,
            "created_by": created_by,
            "created_at": self._clock.now(),
        }
        async with self._db.begin() as conn:
            await repo.insert(conn, values)
        self.forget()
        self._changes.changed(Cached.WEBHOOKS)
        return Webhook.from_row(values)

    def forget(self) -> None:
        """Drop the webhooks kept in memory: the next event reads them again."""
        self._active = None
        self._wanted.clear()

    async def list(self) -> list[Webhook]:
        async with self._db.connect() as conn:
            rows = await repo.list_active(conn)
        return [Webhook.from_row(row) for row in rows]

    async def get(self, webhook_id: str) -> Webhook:
        async with self._db.connect() as conn:
            row = await repo.get(conn, webhook_id)
        if row is None:
            raise NotFound(f"webhook {webhook_id!r} does not exist")
        return Webhook.from_row(row)

    async def delete(self, webhook_id: str) -> None:
        async with self._db.begin() as conn:
            if await repo.delete(conn, webhook_id) == 0:
                raise NotFound(f"webhook {webhook_id!r} does not exist")
        self.forget()
        self._changes.changed(Cached.WEBHOOKS)

    async def deliveries(
        self, webhook_id: str, *, before: datetime | None = None, limit: int = 100
    ) -> builtins.list[Delivery]:
        await self.get(webhook_id)
        async with self._db.connect() as conn:
            rows = await repo.deliveries_of(conn, webhook_id, before=before, limit=limit)
        return [Delivery.from_row(row) for row in rows]

    def wanted(self, event_type: str) -> bool:
        """Whether an active webhook wants this type of event; True until the webhooks are
        loaded (the first event loads them)."""
        if self._active is None:
            return True
        known = self._wanted.get(event_type)
        if known is None:
            known = self._wanted[event_type] = any(h.wants(event_type) for h in self._active)
        return known

    async def enqueue(self, event: Event) -> int:
        """Write one pending delivery per webhook that wants `event`; how many were written."""
        if self._active is None:
            self._active = await self.list()
        targets = [hook for hook in self._active if hook.wants(event.type)]
        if not targets:
            return 0
        now = self._clock.now()
        async with self._db.begin() as conn:
            for hook in targets:
                delivery_id = secrets.token_hex(12)
                body = {"delivery_id": delivery_id, **event.as_dict()}
                await repo.insert_delivery(
                    conn,
                    {
                        "id": delivery_id,
                        "webhook_id": hook.id,
                        "event_type": event.type,
                        "event_id": event.id,
                        "body": json.dumps(body, separators=(",", ":"), default=str),
                        "status": DeliveryStatus.PENDING.value,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    },
                )
        return len(targets)

    async def due_webhooks(self) -> builtins.list[str]:
        """Webhooks with a delivery to try now."""
        async with self._db.connect() as conn:
            return await repo.webhooks_with_due(conn, self._clock.now())

    async def due(self, webhook_id: str, limit: int = 20) -> builtins.list[DueDelivery]:
        """One webhook's deliveries to try now, oldest first."""
        async with self._db.connect() as conn:
            rows = await repo.due_deliveries(conn, self._clock.now(), limit, webhook_id=webhook_id)
        return [
            DueDelivery(
                row["id"],
                row["event_type"],
                row["url"],
                row["secret"],
                row["body"].encode(),
                row["attempts"],
            )
            for row in rows
        ]

    async def record(
        self, delivery: DueDelivery, *, status_code: int | None, error: str | None
    ) -> DeliveryStatus:
        """Note one try's result; the delivery's new status (delivered, pending or failed)."""
        now = self._clock.now()
        attempts = delivery.attempts + 1
        ok = error is None and status_code is not None and 200 <= status_code < 300
        values: dict[str, Any] = {
            "attempts": attempts,
            "last_status_code": status_code,
            "last_error": None if ok else (error or f"HTTP {status_code}")[:500],
        }
        if ok:
            status = DeliveryStatus.DELIVERED
            values.update(delivered_at=now, next_attempt_at=None)
        elif attempts >= self.max_attempts:
            status = DeliveryStatus.FAILED
            values.update(next_attempt_at=None)
        else:
            status = DeliveryStatus.PENDING
            wait = self.retry_delay * 2 ** (attempts - 1)
            values.update(next_attempt_at=now + timedelta(seconds=wait))
        values["status"] = status.value
        async with self._db.begin() as conn:
            await repo.update_delivery(conn, delivery.id, values)
        return status
