"""Webhooks: a real receiver on a local port gets signed events, and a failed try is retried."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from ocpp.v16 import call

from steppe.app import Steppe, running
from tests.api.commands_helpers import PASSWORD, register
from tests.e2e.charger import connect_v16

SECRET = "webhook-secret-0123456789"
LOOPBACK = "127.0.0.0/8"  # the tests' receivers listen on loopback, which is refused by default


def verify(secret: str, body: bytes, header: str, *, tolerance: float = 300) -> bool:
    """What docs/api.md tells a receiver to do: recompute the HMAC over `t.body`, compare in
    constant time, and refuse a timestamp further than `tolerance` seconds from now."""
    fields = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(fields["t"])
    signed = fields["t"].encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"]) and abs(time.time() - timestamp) <= tolerance


@dataclass
class Receiver:
    """An HTTP endpoint that answers 500 to its first `fail_first` requests, then 204."""

    fail_first: int
    requests: list[tuple[dict[str, str], bytes, int]] = field(default_factory=list)
    got: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        status = 500 if len(self.requests) < self.fail_first else 204
        self.requests.append((headers, body, status))
        self.got.set()
        writer.write(
            f"HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".encode()
        )
        await writer.drain()
        writer.close()


@asynccontextmanager
async def receiver(fail_first: int) -> AsyncIterator[Receiver]:
    found = Receiver(fail_first)
    server = await asyncio.start_server(found.handle, "127.0.0.1", 0)
    found.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"
    async with server:
        yield found


async def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.02)


async def test_signed_delivery_retried_after_a_failure(make_steppe: Any, api_for: Any) -> None:
    """The first try gets 500, the retry after the back-off succeeds; both carry the same signed
    body, and the delivery log shows two attempts, delivered."""
    app: Steppe = make_steppe(
        webhook_retry_delay=0.2, webhook_max_attempts=3, webhook_allowed_networks=LOOPBACK
    )
    async with running(app), api_for(app) as api, receiver(fail_first=1) as hook:
        created = await api.post(
            "/api/v1/webhooks",
            json={"url": hook.url, "secret": SECRET, "types": ["station.connected"]},
        )
        assert created.status_code == 201, created.text
        webhook_id = created.json()["id"]
        assert "secret" not in created.json()
        await register(api, "CP-1")
        async with connect_v16(app.ocpp_url, "CP-1", PASSWORD) as cp:
            await cp.call(call.BootNotification(charge_point_model="M", charge_point_vendor="V"))
        await wait_for(lambda: len(hook.requests) >= 2)

        (first_headers, first_body, first_status), (headers, body, status) = hook.requests[:2]
        assert (first_status, status) == (500, 204)
        assert (
            first_body == body
            and first_headers["x-steppe-delivery"] == headers["x-steppe-delivery"]
        )
        assert verify(SECRET, body, headers["x-steppe-signature"])
        assert headers["x-steppe-signature"].startswith(f"t={headers['x-steppe-timestamp']},")
        assert not verify(SECRET, body + b" ", headers["x-steppe-signature"])
        assert headers["x-steppe-event"] == "station.connected"
        assert headers["x-steppe-timestamp"].isdigit()
        event = json.loads(body)
        assert event["type"] == "station.connected" and event["station_id"] == "CP-1"
        assert event["delivery_id"] == headers["x-steppe-delivery"]

        async def delivered() -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = (
                await api.get(f"/api/v1/webhooks/{webhook_id}/deliveries")
            ).json()
            return found

        log: list[dict[str, Any]] = []
        async with asyncio.timeout(5):
            while not log or log[0]["status"] != "delivered":
                log = await delivered()
                await asyncio.sleep(0.05)
        assert len(log) == 1  # only station.connected was asked for
        assert log[0]["attempts"] == 2 and log[0]["last_status_code"] == 204

        metrics = (await api.get("/metrics")).text
        assert 'steppe_webhook_attempts_total{result="delivered"} 1' in metrics
        assert (await api.delete(f"/api/v1/webhooks/{webhook_id}")).status_code == 204
        assert (await api.get(f"/api/v1/webhooks/{webhook_id}/deliveries")).status_code == 404


async def test_delivery_gives_up_after_the_last_attempt(make_steppe: Any, api_for: Any) -> None:
    """A receiver that always fails gets exactly `webhook_max_attempts` tries, then `failed`."""
    app: Steppe = make_steppe(
        webhook_retry_delay=0.05, webhook_max_attempts=2, webhook_allowed_networks=LOOPBACK
    )
    async with running(app), api_for(app) as api, receiver(fail_first=100) as hook:
        created = await api.post("/api/v1/webhooks", json={"url": hook.url, "secret": SECRET})
        webhook_id = created.json()["id"]
        bad = await api.post("/api/v1/webhooks", json={"url": "ftp://x", "secret": SECRET})
        assert bad.status_code == 422
        await register(api, "CP-1")
        async with connect_v16(app.ocpp_url, "CP-1", PASSWORD):
            pass
        async with asyncio.timeout(10):
            while True:
                log = (await api.get(f"/api/v1/webhooks/{webhook_id}/deliveries")).json()
                if log and all(d["status"] == "failed" for d in log):
                    break
                await asyncio.sleep(0.05)
        assert all(d["attempts"] == 2 and d["last_status_code"] == 500 for d in log)
        assert len(hook.requests) == 2 * len(log)
