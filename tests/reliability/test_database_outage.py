"""PostgreSQL goes away and comes back (through a proxy the test controls): while it is away the
server answers InternalError instead of acknowledging what it cannot store, Heartbeats still
work; when it is back the server recovers by itself."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
from websockets.asyncio.client import ClientConnection

from steppe.app import Steppe, running
from tests.gateway.rawclient import exchange, heartbeat_works, raw_station, register
from tests.reliability.proxy import TcpProxy

TAG = "OUTAGE-TAG"


def frame(message_id: str, action: str, payload: dict[str, Any]) -> str:
    return orjson.dumps([2, message_id, action, payload]).decode()


def start(minute: int) -> dict[str, Any]:
    stamp = f"2026-11-03T10:{minute:02d}:00Z"
    return {"connectorId": 1, "idTag": TAG, "meterStart": 1000 * minute, "timestamp": stamp}


STATUS = {"connectorId": 1, "errorCode": "NoError", "status": "Charging"}


async def until_acknowledged(ws: ClientConnection, message: str) -> list[Any]:
    """Resend as a charger does until a CALLRESULT comes."""
    async with asyncio.timeout(20):
        while True:
            answer = await exchange(ws, message)
            if answer[0] == 3:
                return answer
            await asyncio.sleep(0.2)


async def test_database_outage_answers_internal_error_then_recovers(
    proxied: tuple[str, TcpProxy],
    make_steppe: Callable[..., Steppe],
    api_for: Callable[[Steppe], httpx.AsyncClient],
) -> None:
    url, proxy = proxied
    app = make_steppe(database_url=url)
    async with running(app), api_for(app) as api:
        await register(api, "PG-OUT")
        response = await api.post("/api/v1/id-tokens", json={"id_token": TAG, "status": "Accepted"})
        assert response.status_code == 201
        async with raw_station(app.ocpp_url, "PG-OUT") as ws:
            before = await exchange(ws, frame("s1", "StartTransaction", start(1)))
            assert before[0] == 3
            tx = before[2]["transactionId"]

            await proxy.cut()
            assert await heartbeat_works(ws)
            refused = {
                "StatusNotification": STATUS,
                "StartTransaction": start(2),
                "MeterValues": {
                    "connectorId": 1,
                    "transactionId": tx,
                    "meterValue": [
                        {"timestamp": "2026-11-03T10:05:00Z", "sampledValue": [{"value": "1"}]}
                    ],
                },
                "StopTransaction": {
                    "transactionId": tx,
                    "meterStop": 5000,
                    "timestamp": "2026-11-03T10:09:00Z",
                },
                "BootNotification": {"chargePointVendor": "V", "chargePointModel": "M"},
            }
            for action, payload in refused.items():
                answer = await exchange(ws, frame(f"x-{action}", action, payload), timeout=30)
                assert answer[:3] == [4, f"x-{action}", "InternalError"], (action, answer)
                assert "storage unavailable" in answer[3], (action, answer)
            assert await heartbeat_works(ws, "hb-2")

            await proxy.resume()
            # The charger resends what was refused; the server has recovered on its own.
            stop = frame("x2", "StopTransaction", refused["StopTransaction"])
            for action, payload in refused.items():
                message = stop if action == "StopTransaction" else frame("r", action, payload)
                await until_acknowledged(ws, message)

        detail = (await api.get(f"/api/v1/transactions/{tx}")).json()
        assert detail["status"] == "completed" and detail["energy_wh"] == 4000
        assert [s["value"] for s in detail["meter_values"]] == ["1"]
        page = (await api.get("/api/v1/transactions", params={"station_id": "PG-OUT"})).json()
        assert len(page["items"]) == 2
        assert proxy.connections > 1  # the pool reconnected after the outage


async def test_connections_killed_by_the_database_are_replaced(
    postgres_database_url: str,
    make_steppe: Callable[..., Steppe],
    api_for: Callable[[Steppe], httpx.AsyncClient],
) -> None:
    """What a PostgreSQL restart does to open sessions (terminated by an administrator command):
    the pool notices on the next use and connects again; nothing is acknowledged unstored."""
    import asyncpg

    name = urlsplit(postgres_database_url).path.lstrip("/")
    admin_url = postgres_database_url.replace("postgresql+asyncpg://", "postgresql://")
    app = make_steppe(database_url=postgres_database_url)
    async with running(app), api_for(app) as api:
        await register(api, "PG-KILL")
        response = await api.post("/api/v1/id-tokens", json={"id_token": TAG, "status": "Accepted"})
        assert response.status_code == 201
        async with raw_station(app.ocpp_url, "PG-KILL") as ws:
            for round_ in range(3):
                admin = await asyncpg.connect(admin_url.rsplit("/", 1)[0] + "/postgres")
                try:
                    killed = await admin.fetchval(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = $1 AND pid <> pg_backend_pid()",
                        name,
                    )
                finally:
                    await admin.close()
                assert killed >= 1
                # The pool checks a connection before handing it out: no error even once.
                message = frame(f"s{round_}", "StartTransaction", start(10 + round_))
                answer = await exchange(ws, message, timeout=30)
                assert answer[0] == 3, answer
        page = (await api.get("/api/v1/transactions", params={"station_id": "PG-KILL"})).json()
        assert len(page["items"]) == 3


async def test_a_database_that_stops_answering_fails_writes_after_the_timeout(
    proxied: tuple[str, TcpProxy],
    make_steppe: Callable[..., Steppe],
    api_for: Callable[[Steppe], httpx.AsyncClient],
) -> None:
    """Packets dropped, no reset: statements time out (`database_timeout`) into InternalError
    rather than holding every write, and the server carries on once the network is back."""
    url, proxy = proxied
    app = make_steppe(database_url=url, database_timeout=1.0)
    async with running(app), api_for(app) as api:
        await register(api, "PG-STALL")
        async with raw_station(app.ocpp_url, "PG-STALL") as ws:
            proxy.stall()
            try:
                answer = await exchange(ws, frame("st1", "StatusNotification", STATUS), timeout=30)
                assert answer[:3] == [4, "st1", "InternalError"], answer
                assert await heartbeat_works(ws)
            finally:
                proxy.flow()
            await until_acknowledged(ws, frame("st2", "StatusNotification", STATUS))
        station = (await api.get("/api/v1/stations/PG-STALL")).json()
        assert station["connectors"][0]["status"] == "Charging"
