"""The background worker that turns events into webhook deliveries and sends them.

It subscribes to the event bus, writes a delivery per interested webhook, and posts due
deliveries signed with the webhook's secret; failures wait for their retry time in the database,
so a restart loses no delivery.

Each webhook has its own lane: one task that sends that webhook's due deliveries one after
another, each try within a deadline for the whole request (connect, send, answer), so a slow
or silent receiver holds up only its own deliveries. Every try connects to an address checked
just before (`destinations.py`).
"""

from __future__ import annotations

import asyncio
import logging
import time

import httpx

from steppe.domain.events import Event, EventBus, EventType
from steppe.domain.webhooks.destinations import DestinationRefused
from steppe.domain.webhooks.service import SIGNATURE_HEADER, DueDelivery, WebhookService, sign
from steppe.types import DeliveryStatus

log = logging.getLogger("steppe.webhooks")
# A lag notice is for one stream, not news: never sent to a webhook.
PUBLIC_TYPES = frozenset(EventType) - {EventType.STREAM_LAGGED}
# Longest pause between looks for retries that have come due.
MAX_POLL = 1.0


def _here(event: Event) -> bool:
    return event.node is None


class WebhookSender:
    def __init__(self, service: WebhookService, bus: EventBus, *, timeout: float) -> None:
        self._service = service
        self._bus = bus
        self._timeout = timeout
        self._wake = asyncio.Event()
        self._busy: set[str] = set()  # webhooks whose lane is running
        self.sent = 0
        self.failed = 0

    async def run(self) -> None:
        """Until cancelled: record events, send what is due, one lane per webhook."""
        async with asyncio.TaskGroup() as group:
            group.create_task(self.record(), name="webhook-record")
            group.create_task(self.send(), name="webhook-dispatch")

    async def record(self) -> None:
        """Until cancelled: write the deliveries of each event that happened on this node (in a
        cluster each node records its own, so each event is recorded once)."""
        async with self._bus.subscribe(_here, wants=self._wants) as subscription:
            await self._record(subscription.queue)

    async def send(self) -> None:
        """Until cancelled: send what is due, one lane per webhook (in a cluster, on one node
        at a time: the one that holds the background lease)."""
        async with (
            httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as client,
            asyncio.TaskGroup() as group,
        ):
            group.create_task(self._dispatch(client, group), name="webhook-dispatch")

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

    async def _dispatch(self, client: httpx.AsyncClient, group: asyncio.TaskGroup) -> None:
        poll = min(MAX_POLL, self._service.retry_delay)
        while True:
            try:
                async with asyncio.timeout(poll):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                due = await self._service.due_webhooks()
            except Exception:
                log.exception("could not read the webhooks with deliveries due")
                continue
            for webhook_id in due:
                if webhook_id not in self._busy:
                    self._busy.add(webhook_id)
                    group.create_task(self._lane(client, webhook_id), name="webhook-lane")

    async def _lane(self, client: httpx.AsyncClient, webhook_id: str) -> None:
        """Send one webhook's due deliveries in order until none is due."""
        try:
            while due := await self._service.due(webhook_id):
                for delivery in due:
                    await self._send(client, delivery)
        except Exception:
            log.exception("webhook %s: delivery lane failed", webhook_id)
        finally:
            self._busy.discard(webhook_id)

    async def _send(self, client: httpx.AsyncClient, delivery: DueDelivery) -> None:
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(delivery.secret, timestamp, delivery.body),
            "X-Steppe-Event": delivery.event_type,
            "X-Steppe-Delivery": delivery.id,
            "X-Steppe-Timestamp": str(timestamp),
            "User-Agent": "Steppe-Webhooks",
        }
        status_code: int | None = None
        error: str | None = None
        try:
            async with asyncio.timeout(self._timeout):
                target = await self._service.destinations.target(delivery.url)
                headers["Host"] = target.host_header
                extensions = {"sni_hostname": target.server_name} if target.server_name else {}
                request = client.build_request(
                    "POST", target.url, content=delivery.body, headers=headers,
                    extensions=extensions,
                )  # fmt: skip
                response = await client.send(request, stream=True)
                status_code = response.status_code
                await response.aclose()  # the answer's body is not read
        except DestinationRefused as exc:
            error = str(exc)
        except TimeoutError:
            error = f"no complete answer within {self._timeout:g} s"
        except (httpx.HTTPError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        outcome = await self._service.record(delivery, status_code=status_code, error=error)
        if outcome is DeliveryStatus.DELIVERED:
            self.sent += 1
        else:
            self.failed += 1
            log.info("webhook delivery %s: %s (%s)", delivery.id, outcome, error or status_code)
