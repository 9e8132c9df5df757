"""Two nodes in one test process, on one PostgreSQL database and a NATS server of their own:
events, webhooks, tokens and the background work behave as in one instance."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import nats
import nats.js.errors
from ocpp.v16 import call

from steppe.app import Steppe, build, running
from steppe.cluster.names import station_key
from steppe.ocpp.validation import SchemaRegistry
from tests.api.commands_helpers import PASSWORD, RecordingV16, register
from tests.api.test_events import sse_events
from tests.api.test_webhooks import LOOPBACK, SECRET, receiver
from tests.cluster.infrastructure import NatsServer
from tests.conftest import ADMIN_TOKEN, _settings
from tests.e2e.charger import connect_v16


@asynccontextmanager
async def node(
    name: str, database_url: str, nats: NatsServer, schemas: SchemaRegistry
) -> AsyncIterator[Steppe]:
    settings = _settings(
        database_url,
        cluster_url=nats.url,
        node_id=name,
        cluster_lease=3,
        webhook_allowed_networks=LOOPBACK,
        webhook_retry_delay=0.2,
    )
    async with running(build(settings, schemas=schemas)) as app:
        yield app


def client(app: Steppe) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=app.http_url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10
    )


async def until(condition: Callable[[], bool], seconds: float = 10) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.02)


async def test_the_event_stream_of_one_node_carries_another_nodes_events(
    nats_server: NatsServer, shared_database: str, schemas: SchemaRegistry
) -> None:
    """A station connecting to node A shows up on node B's event stream."""
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(node("a", shared_database, nats_server, schemas))
        b = await stack.enter_async_context(node("b", shared_database, nats_server, schemas))
        api_a = await stack.enter_async_context(client(a))
        api_b = await stack.enter_async_context(client(b))
        await register(api_a, "EV-1")
        async with api_b.stream("GET", "/api/v1/events", params={"station_id": "EV-1"}) as stream:
            events = sse_events(stream.aiter_lines())
            async with connect_v16(a.ocpp_url, "EV-1", PASSWORD) as cp:
                await cp.call(
                    call.BootNotification(charge_point_model="M", charge_point_vendor="V")
                )
                seen: list[str] = []
                while "station.booted" not in seen:
                    event = await asyncio.wait_for(anext(events), 10)
                    assert event["station_id"] == "EV-1"
                    seen.append(event["type"])
                assert seen.index("station.connected") < seen.index("station.booted")


async def test_a_webhook_made_on_one_node_gets_each_event_once_from_the_cluster(
    nats_server: NatsServer, shared_database: str, schemas: SchemaRegistry
) -> None:
    """Node B has read the (empty) webhook list; a webhook created on node A is known to B at
    once, and each of B's events reaches the receiver once, however many nodes run."""
    async with AsyncExitStack() as stack:
        hook = await stack.enter_async_context(receiver(fail_first=0))
        a = await stack.enter_async_context(node("a", shared_database, nats_server, schemas))
        b = await stack.enter_async_context(node("b", shared_database, nats_server, schemas))
        api_a = await stack.enter_async_context(client(a))
        api_b = await stack.enter_async_context(client(b))
        await register(api_a, "WH-1", "WH-2")
        async with connect_v16(b.ocpp_url, "WH-1", PASSWORD) as cp:  # B reads the webhooks
            await cp.call(call.BootNotification(charge_point_model="M", charge_point_vendor="V"))
        created = await api_a.post(
            "/api/v1/webhooks",
            json={"url": hook.url, "secret": SECRET, "types": ["station.booted"]},
        )
        assert created.status_code == 201, created.text
        webhook_id = created.json()["id"]

        for station in ("WH-1", "WH-2"):
            async with connect_v16(b.ocpp_url, station, PASSWORD) as cp:
                await cp.call(
                    call.BootNotification(charge_point_model="M", charge_point_vendor="V")
                )
        await until(lambda: len(hook.requests) >= 2)

        async def deliveries() -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = (
                await api_b.get(f"/api/v1/webhooks/{webhook_id}/deliveries")
            ).json()
            return found

        async with asyncio.timeout(10):
            while not all(d["status"] == "delivered" for d in await deliveries()):
                await asyncio.sleep(0.05)
        log = await deliveries()
        assert len(log) == 2  # one per boot, not one per node
        assert sorted(json.loads(body)["station_id"] for _h, body, _s in hook.requests) == [
            "WH-1",
            "WH-2",
        ]
        assert len({headers["x-steppe-delivery"] for headers, _b, _s in hook.requests}) == 2


async def test_a_token_blocked_through_one_node_is_refused_by_the_other_at_once(
    nats_server: NatsServer, shared_database: str, schemas: SchemaRegistry
) -> None:
    """Accepted on node B, blocked through node A's API, Blocked at B's next Authorize."""
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(node("a", shared_database, nats_server, schemas))
        b = await stack.enter_async_context(node("b", shared_database, nats_server, schemas))
        api_a = await stack.enter_async_context(client(a))
        await register(api_a, "TK-1")
        token = await api_a.post(
            "/api/v1/id-tokens", json={"id_token": "TAG-9", "status": "Accepted"}
        )
        assert token.status_code == 201, token.text
        async with connect_v16(b.ocpp_url, "TK-1", PASSWORD) as cp:
            await cp.call(call.BootNotification(charge_point_model="M", charge_point_vendor="V"))
            first = await cp.call(call.Authorize(id_tag="TAG-9"))
            assert first.id_tag_info["status"] == "Accepted"
            blocked = await api_a.patch("/api/v1/id-tokens/TAG-9", json={"status": "Blocked"})
            assert blocked.status_code == 200, blocked.text
            second = await cp.call(call.Authorize(id_tag="TAG-9"))
            assert second.id_tag_info["status"] == "Blocked"


async def test_background_work_runs_on_one_node_and_moves_when_it_stops(
    nats_server: NatsServer, shared_database: str, schemas: SchemaRegistry
) -> None:
    """Exactly one of two nodes holds the background lease; when it stops, the other takes it."""
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(node("a", shared_database, nats_server, schemas))
        assert a.cluster is not None
        await until(lambda: a.cluster is not None and a.cluster.lease.held)
        async with node("b", shared_database, nats_server, schemas) as b:
            assert b.cluster is not None
            await asyncio.sleep(1.5)  # more than one check interval: B keeps asking in vain
            assert a.cluster.lease.held and not b.cluster.lease.held
            await stack.aclose()  # node A stops
            await until(lambda: b.cluster is not None and b.cluster.lease.held)


async def test_commands_across_nodes_answer_503_while_nats_is_down_and_recover_by_themselves(
    nats_server: NatsServer, shared_database: str, schemas: SchemaRegistry
) -> None:
    """NATS stops: node B still serves its own station, answers 503 for node A's, and once
    NATS is back (empty: its presence bucket was in memory) reaches A's station again."""
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(node("a", shared_database, nats_server, schemas))
        b = await stack.enter_async_context(node("b", shared_database, nats_server, schemas))
        api_b = await stack.enter_async_context(client(b))
        await register(api_b, "NA-1", "NB-1")
        on_a = await stack.enter_async_context(
            connect_v16(a.ocpp_url, "NA-1", PASSWORD, cls=RecordingV16)
        )
        on_b = await stack.enter_async_context(
            connect_v16(b.ocpp_url, "NB-1", PASSWORD, cls=RecordingV16)
        )
        for cp in (on_a, on_b):
            await cp.call(call.BootNotification(charge_point_model="M", charge_point_vendor="V"))

        async def reset(station_id: str) -> httpx.Response:
            return await api_b.post(
                f"/api/v1/stations/{station_id}/commands/reset", json={"type": "soft"}
            )

        async with asyncio.timeout(10):
            while (await reset("NA-1")).status_code != 200:
                await asyncio.sleep(0.05)

        nats_server.stop()
        assert a.cluster is not None and b.cluster is not None
        await until(lambda: not b.cluster.membership.link.up)  # type: ignore[union-attr]
        down = await reset("NA-1")
        assert down.status_code == 503, down.text
        assert down.json()["error"]["code"] == "cluster_unavailable"
        assert (await reset("NB-1")).status_code == 200  # its own station: served as ever
        answered = await on_b.call(call.Heartbeat())  # and OCPP goes on
        assert answered.current_time

        await nats_server.start()
        async with asyncio.timeout(30):
            while (answer := await reset("NA-1")).status_code != 200:
                await asyncio.sleep(0.2)
        assert answer.json()["status"] == "Rejected"  # the charger's own answer, through A
        assert ("Reset", {"type": "Soft"}) in on_a.received  # type: ignore[attr-defined]


async def test_the_background_lease_moves_when_its_database_session_is_cut(
    nats_server: NatsServer, shared_database: str, schemas: SchemaRegistry
) -> None:
    """The session holding the lease is ended by PostgreSQL (as in a network cut or a server
    restart): its node stops the work, and the lease is held again, by one node only."""
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(node("a", shared_database, nats_server, schemas))
        b = await stack.enter_async_context(node("b", shared_database, nats_server, schemas))
        assert a.cluster is not None and b.cluster is not None
        leases = (a.cluster.lease, b.cluster.lease)
        await until(lambda: sum(lease.held for lease in leases) == 1)
        terms = sum(lease.terms for lease in leases)

        import asyncpg

        plain = shared_database.replace("postgresql+asyncpg://", "postgresql://")
        admin = await asyncpg.connect(plain)
        try:
            cut = await admin.fetchval(
                "SELECT pg_terminate_backend(pid) FROM pg_locks "
                "WHERE locktype = 'advisory' AND granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        finally:
            await admin.close()
        assert cut is True
        # the node whose session was cut stopped its work; one node took the lock again
        await until(lambda: sum(lease.terms for lease in leases) == terms + 1)
        await until(lambda: sum(lease.held for lease in leases) == 1)
        for _ in range(20):  # and never two at once afterwards
            assert sum(lease.held for lease in leases) <= 1
            await asyncio.sleep(0.05)


async def test_a_node_restarted_with_its_old_name_forgets_the_stations_it_held_before(
    nats_server: NatsServer, shared_database: str, schemas: SchemaRegistry
) -> None:
    """A node killed while holding a station leaves it in the presence bucket; when it starts
    again under the same name it removes that entry, so no node takes the station for online."""
    client_ = await nats.connect(nats_server.url)
    try:
        async with node("b", shared_database, nats_server, schemas) as b:
            kv = await client_.jetstream().key_value("steppe_presence")
            await kv.put(station_key("OLD-1"), b'{"node":"a","version":"1.6"}')
            api_b = client(b)
            async with api_b, node("a", shared_database, nats_server, schemas):
                await register(api_b, "OLD-1")

                async def entry_left() -> bool:
                    try:
                        await kv.get(station_key("OLD-1"))
                    except nats.js.errors.KeyNotFoundError:
                        return False
                    return True

                async with asyncio.timeout(10):
                    while await entry_left():
                        await asyncio.sleep(0.05)
                station = (await api_b.get("/api/v1/stations/OLD-1")).json()
                assert station["connected"] is False
    finally:
        await client_.close()


async def test_a_site_described_through_one_node_is_managed_by_the_node_holding_the_lease(
    nats_server: NatsServer, shared_database: str, schemas: SchemaRegistry
) -> None:
    """Site load management runs once, on the lease holder: a site PUT through the other node
    reaches it at once (cache news), and so does its removal."""
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(node("a", shared_database, nats_server, schemas))
        await until(lambda: a.cluster is not None and a.cluster.lease.held)
        b = await stack.enter_async_context(node("b", shared_database, nats_server, schemas))
        api_b = await stack.enter_async_context(client(b))
        await register(api_b, "SITE-1")
        site = {"max_current_a": "32", "phases": 3, "station_ids": ["SITE-1"]}
        assert (await api_b.put("/api/v1/sites/shared", json=site)).status_code == 201
        planned: list[dict[str, Any]] = []

        async def lease_holder_plans() -> bool:
            view = await a.services.sites.view("shared")
            planned[:] = view["allocations"]
            return bool(planned)

        async with asyncio.timeout(10):
            while not await lease_holder_plans():
                await asyncio.sleep(0.05)
        assert planned[0]["station_id"] == "SITE-1" and planned[0]["online"] is False
        assert (await api_b.delete("/api/v1/sites/shared")).status_code == 204
        async with asyncio.timeout(10):
            while True:
                try:
                    await a.services.sites.view("shared")
                except Exception:  # NotFound once the lease holder has dropped it too
                    break
                await asyncio.sleep(0.05)
