"""The background worker that turns events into webhook deliveries and sends them.

It subscribes to the event bus, writes a delivery per interested webhook, and posts due
deliveries signed with the webhook's secret; failures wait for their retry time in the database,
so a restart loses no delivery.
"""

from __future__ import annotations

import asyncio
import logging
import time

import httpx

from steppe.domain.events import EventBus, EventType
from steppe.domain.webhooks.service import SIGNATURE_HEADER, DueDelivery, WebhookService, sign
from steppe.types import DeliveryStatus

log = logging.getLogger("steppe.webhooks")
# A lag notice is for one stream, not news: never sent to a webhook.
PUBLIC_TYPES = frozenset(EventType) - {EventType.STREAM_LAGGED}
# Longest pause between looks for retries that have come due.
MAX_POLL = 1.0


class WebhookSender:
    def __init__(self, service: WebhookService, bus: EventBus, *, timeout: float) -> None:
        self._service = service
        self._bus = bus
        self._timeout = timeout
        self._wake = asyncio.Event()
        self.sent = 0
        self.failed = 0

    async def run(self) -> None:
        """Until cancelled: record events, send what is due."""
        async with (
            self._bus.subscribe(wants=self._wants) as subscription,
            httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as client,
            asyncio.TaskGroup() as group,
        ):
            group.create_task(self._record(subscription.queue), name="webhook-record")
            group.create_task(self._send_loop(client), name="webhook-send")

    def _wants(self, event_type: str) -> bool:
        return event_type in PUBLIC_TYPES and self._service.wanted(event_type)

    async def _record(self, queue: asyncio.Queue) -> None:  # type: ignore[type-arg]
        while True:
            event = await queue.get()
            try:
                if await self._service.enqueue(event):
                    self._wake.set()
            except Exception:
                log.exception("could not record webhook deliveries for event %s", event.id)

    async def _send_loop(self, client: httpx.AsyncClient) -> None:
        poll = min(MAX_POLL, self._service.retry_delay)
        while True:
            try:
                async with asyncio.timeout(poll):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                due = await self._service.due()
                if due:
                    await asyncio.gather(*(self._send(client, d) for d in due))
            except Exception:
                log.exception("webhook delivery round failed")

    async def _send(self, client: httpx.AsyncClient, delivery: DueDelivery) -> None:
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(delivery.secret, delivery.body),
            "X-Steppe-Event": delivery.event_type,
            "X-Steppe-Delivery": delivery.id,
            "X-Steppe-Timestamp": str(int(time.time())),
            "User-Agent": "Steppe-Webhooks",
        }
        status_code: int | None = None
        error: str | None = None
        try:
            response = await client.post(delivery.url, content=delivery.body, headers=headers)
            status_code = response.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        outcome = await self._service.record(delivery, status_code=status_code, error=error)
        if outcome is DeliveryStatus.DELIVERED:
            self.sent += 1
        else:
            self.failed += 1
            log.info("webhook delivery %s: %s (%s)", delivery.id, outcome, error or status_code)
