"""Webhooks as a weapon: a URL into the server's own network, a receiver that never finishes
answering, credentials in a URL. Nothing here connects anywhere but loopback receivers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from steppe.app import Steppe, running
from tests.api.commands_helpers import PASSWORD, register
from tests.api.test_webhooks import LOOPBACK, SECRET, receiver
from tests.e2e.charger import connect_v16


async def test_private_and_own_destinations_are_refused_by_default(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Loopback (by address or by name), the server's own ports, cloud metadata, private ranges,
    IPv4 mapped into IPv6 and the unspecified address are refused with 422 naming `url`; the
    check is made before anything connects."""
    own = steppe.http_port
    for url in (
        f"http://127.0.0.1:{own}/api/v1/keys",
        f"http://localhost:{steppe.ocpp_port}/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/hook",
        "http://192.168.0.10:8080/hook",
        "http://172.16.5.4/hook",
        "http://100.64.0.1/hook",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0:8000/hook",
    ):
        refused = await api.post("/api/v1/webhooks", json={"url": url, "secret": SECRET})
        assert refused.status_code == 422, (url, refused.text)
        assert refused.json()["error"]["message"].startswith("url:"), url
    assert (await api.get("/api/v1/webhooks")).json() == []


async def test_a_destination_is_checked_again_at_each_delivery(
    make_steppe: Callable[..., Steppe],
    api_for: Callable[[Steppe], httpx.AsyncClient],
    sqlite_url: str,
) -> None:
    """A webhook to a loopback receiver, allowed when it was made, is not delivered once the
    allow-list no longer names loopback (as a name that now resolves elsewhere would not be):
    the receiver hears nothing and the log says why."""
    first = make_steppe(webhook_allowed_networks=LOOPBACK)
    async with receiver(fail_first=0) as hook:
        async with running(first), api_for(first) as api:
            created = await api.post("/api/v1/webhooks", json={"url": hook.url, "secret": SECRET})
            assert created.status_code == 201
            webhook_id = created.json()["id"]
            await register(api, "CP-1")
        second = make_steppe(webhook_retry_delay=0.05, webhook_max_attempts=1)
        async with running(second), api_for(second) as api:
            async with connect_v16(second.ocpp_url, "CP-1", PASSWORD):
                pass
            log: list[dict[str, Any]] = []
            async with asyncio.timeout(10):
                while not log or any(d["status"] == "pending" for d in log):
                    log = (await api.get(f"/api/v1/webhooks/{webhook_id}/deliveries")).json()
                    await asyncio.sleep(0.05)
        assert hook.requests == []
        assert all(d["status"] == "failed" for d in log)
        assert "not a public address" in log[0]["last_error"]


@asynccontextmanager
async def dripping_receiver() -> AsyncIterator[tuple[str, list[float]]]:
    """A receiver that reads the request, then answers one byte every 0.2 s for ever."""
    opened: list[float] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        opened.append(time.monotonic())
        try:
            await reader.readuntil(b"\r\n\r\n")
            for byte in b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 10_000:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(0.2)
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    async with server:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/slow", opened


async def test_a_slow_receiver_holds_up_only_its_own_deliveries(
    make_steppe: Callable[..., Steppe], api_for: Callable[[Steppe], httpx.AsyncClient]
) -> None:
    """Two webhooks want station events; one receiver trickles its answer a byte at a time (so
    no read ever times out). The other gets every event at once, and each try at the slow one
    ends at the 1 s deadline for the whole request."""
    app = make_steppe(
        webhook_timeout=1.0, webhook_retry_delay=30, webhook_allowed_networks=LOOPBACK
    )
    async with (
        running(app),
        api_for(app) as api,
        receiver(fail_first=0) as fast,
        dripping_receiver() as (slow_url, opened),
    ):
        slow = await api.post("/api/v1/webhooks", json={"url": slow_url, "secret": SECRET})
        quick = await api.post("/api/v1/webhooks", json={"url": fast.url, "secret": SECRET})
        assert slow.status_code == quick.status_code == 201
        await register(api, "CP-1")
        started = time.monotonic()
        for _ in range(2):
            async with connect_v16(app.ocpp_url, "CP-1", PASSWORD):
                pass
        async with asyncio.timeout(5):
            while len(fast.requests) < 4:  # connected and disconnected, twice
                await asyncio.sleep(0.02)
        fast_done = time.monotonic() - started
        async with asyncio.timeout(10):
            while True:
                log = (await api.get(f"/api/v1/webhooks/{slow.json()['id']}/deliveries")).json()
                if log and all(d["attempts"] >= 1 for d in log):
                    break
                await asyncio.sleep(0.1)
    assert fast_done < 1.0, fast_done
    assert all("within 1 s" in d["last_error"] for d in log), log
    assert len(opened) >= 2 and opened[1] - opened[0] < 1.5  # each try cut at the deadline


async def test_credentials_in_a_webhook_url_are_never_shown(api: httpx.AsyncClient) -> None:
    """A URL with a user and password is stored for delivery, but every answer shows `***@`."""
    url = "https://hooks-user:hooks-password@example.com/steppe"
    created = await api.post("/api/v1/webhooks", json={"url": url, "secret": SECRET})
    assert created.status_code == 201, created.text
    webhook_id = created.json()["id"]
    for answer in (
        created,
        await api.get("/api/v1/webhooks"),
        await api.get(f"/api/v1/webhooks/{webhook_id}"),
    ):
        assert "hooks-password" not in answer.text and "hooks-user" not in answer.text
        assert "https://***@example.com/steppe" in answer.text
