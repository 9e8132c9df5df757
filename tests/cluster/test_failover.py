"""Two nodes on one PostgreSQL and NATS behind HAProxy: a command sent to either node reaches
the station wherever it is connected, and a node killed with SIGKILL loses nothing acknowledged.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action, RemoteStartStopStatus
from sqlalchemy import func, select

from steppe.storage.db import Database
from steppe.storage.tables.core import meter_values, transactions
from steppe.storage.tables.operator import audit_log
from tests.cluster.infrastructure import HaProxy, NatsServer
from tests.e2e.charger import basic_auth
from tests.reliability.process import ServerProcess

PASSWORD = "cluster-passw0rd-16"
STATION = "CL-1"
ENERGY = "Energy.Active.Import.Register"


class Station(ChargePoint):  # type: ignore[misc]
    """A 1.6 charger that accepts remote starts and hands each one to the test."""

    def __init__(self, station_id: str, ws: Any) -> None:
        super().__init__(station_id, ws)
        self.starts: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    @on(Action.remote_start_transaction)
    async def on_remote_start(self, id_tag: str, **extra: Any) -> Any:
        self.starts.put_nowait({"id_tag": id_tag, **extra})
        return call_result.RemoteStartTransaction(status=RemoteStartStopStatus.accepted)


@asynccontextmanager
async def connected(url: str, timeout: float = 20) -> AsyncIterator[tuple[Station, Any]]:
    """The station connected through `url`, trying again until a node takes it."""
    async with asyncio.timeout(timeout):
        while True:
            try:
                ws = await websockets.connect(
                    f"{url}/{STATION}",
                    subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                    additional_headers=basic_auth(STATION, PASSWORD),
                    open_timeout=3,
                )
                break
            except (OSError, websockets.InvalidHandshake, TimeoutError):
                await asyncio.sleep(0.2)
    station = Station(STATION, ws)
    reader = asyncio.create_task(station.start())
    try:
        yield station, reader
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
        await ws.close()


def now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


async def until_connected(api: httpx.AsyncClient, timeout: float = 10) -> None:
    """Until the node behind `api` knows the station is online (somewhere in the cluster)."""
    async with asyncio.timeout(timeout):
        while not (await api.get(f"/api/v1/stations/{STATION}")).json()["connected"]:
            await asyncio.sleep(0.05)


async def start_charging(station: Station, api: httpx.AsyncClient) -> int:
    """A remote start through `api`: the station accepts it and starts; the transaction id."""
    answer = await api.post(
        f"/api/v1/stations/{STATION}/commands/remote-start",
        json={"id_token": "TAG-1", "connector_id": 1},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "Accepted"
    request = await asyncio.wait_for(station.starts.get(), 10)
    assert request["id_tag"] == "TAG-1"
    started = await station.call(
        call.StartTransaction(connector_id=1, id_tag="TAG-1", meter_start=1000, timestamp=now())
    )
    assert started.id_tag_info["status"] == "Accepted"
    return int(started.transaction_id)


async def test_a_command_reaches_the_station_through_another_node_and_after_a_node_dies(
    tmp_path: Path,
    nats_server: NatsServer,
    shared_database: str,
    haproxy_installed: None,
) -> None:
    """Remote start via node B reaches a station on node A; A is killed (SIGKILL), the station
    comes back through HAProxy on B, and its next remote start works; each acknowledged message
    is stored once, each command audited once."""
    nodes = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        nodes.append(
            ServerProcess(
                shared_database,
                tmp_path / name,
                STEPPE_CLUSTER_URL=nats_server.url,
                STEPPE_NODE_ID=f"node-{name}",
                STEPPE_CLUSTER_LEASE="3",
                STEPPE_PING_INTERVAL="2",
                STEPPE_PING_TIMEOUT="2",
            )
        )
    node_a, node_b = nodes
    proxy = HaProxy(tmp_path, [n.ocpp_port for n in nodes], [n.http_port for n in nodes])
    try:
        await node_a.start()  # the first one migrates the shared database
        await node_b.start()
        await proxy.start()
        async with node_b.client() as api_b, node_a.client() as api_a:
            created = await api_b.post(
                "/api/v1/stations", json={"id": STATION, "password": PASSWORD}
            )
            assert created.status_code == 201, created.text
            token = await api_b.post(
                "/api/v1/id-tokens", json={"id_token": "TAG-1", "status": "Accepted"}
            )
            assert token.status_code == 201, token.text

            # Through HAProxy the station lands on node A (`balance first`).
            async with connected(proxy.ocpp_url) as (station, reader):
                boot = await station.call(
                    call.BootNotification(charge_point_model="AC22", charge_point_vendor="Test")
                )
                assert boot.status == "Accepted"
                await until_connected(api_a)
                await until_connected(api_b)  # B learns it from the presence bucket
                first = await start_charging(station, api_b)
                await station.call(
                    call.MeterValues(
                        connector_id=1,
                        transaction_id=first,
                        meter_value=[
                            {
                                "timestamp": now(),
                                "sampledValue": [
                                    {"value": "2500", "measurand": ENERGY, "unit": "Wh"}
                                ],
                            }
                        ],
                    )
                )

                node_a.kill()
                await asyncio.wait([reader], timeout=15)  # the station sees its connection end
                assert reader.done()

            # Until the station is back, the surviving node says so: not connected (409).
            refused = await api_b.post(
                f"/api/v1/stations/{STATION}/commands/remote-start",
                json={"id_token": "TAG-1", "connector_id": 1},
            )
            assert refused.status_code == 409, refused.text
            assert refused.json()["error"]["code"] == "station_not_connected"

            async with connected(proxy.ocpp_url) as (station, _reader):
                boot = await station.call(
                    call.BootNotification(charge_point_model="AC22", charge_point_vendor="Test")
                )
                assert boot.status == "Accepted"
                stopped = await station.call(
                    call.StopTransaction(
                        meter_stop=4000, timestamp=now(), transaction_id=first, reason="Reboot"
                    )
                )
                assert stopped.id_tag_info is None or stopped.id_tag_info["status"] == "Accepted"
                await until_connected(api_b)
                second = await start_charging(station, api_b)
                assert second != first
    finally:
        proxy.stop()
        for node in nodes:
            node.stop()

    db = Database(shared_database)
    try:
        async with db.connect() as conn:
            stored = (
                await conn.execute(
                    select(transactions.c.ocpp_id, transactions.c.meter_stop_wh).where(
                        transactions.c.station_id == STATION
                    )
                )
            ).all()
            samples = await conn.scalar(
                select(func.count())
                .select_from(meter_values)
                .join(transactions, transactions.c.id == meter_values.c.transaction_id)
                .where(transactions.c.ocpp_id == str(first), meter_values.c.measurand == ENERGY)
            )
            audited = (
                await conn.execute(
                    select(audit_log.c.outcome).where(
                        audit_log.c.station_id == STATION, audit_log.c.command == "remote-start"
                    )
                )
            ).all()
    finally:
        await db.close()
    assert sorted((str(tx), stop) for tx, stop in stored) == sorted(
        [(str(first), 4000), (str(second), None)]
    )
    assert samples == 1
    assert sorted(outcome for (outcome,) in audited) == [
        "answered",
        "answered",
        "not_connected",
    ]
