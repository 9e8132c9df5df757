"""Three nodes behind HAProxy under a fleet's load; one is killed with SIGKILL. Its stations
come back through the others, nothing acknowledged is lost, no transaction is stored twice,
and commands reach every station through any node."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from steppe.simulator import Fleet, Ledger
from steppe.simulator.launcher import FleetOptions, register
from tests.cluster.infrastructure import HaProxy, NatsServer
from tests.conftest import ADMIN_TOKEN
from tests.reliability.process import ServerProcess
from tests.reliability.test_crash import all_transactions, durable, stored_samples

STATIONS = 15
NODES = 3


@pytest.mark.slow
async def test_a_node_killed_under_load_loses_nothing_and_its_stations_come_back(
    tmp_path: Path,
    nats_server: NatsServer,
    shared_database: str,
    haproxy_installed: None,
) -> None:
    """Fifteen durable chargers spread round robin over three nodes; node 1 is killed with
    SIGKILL under load; every acknowledged start, meter value and stop is stored once, and a
    command through node 3 reaches each of the fifteen afterwards."""
    nodes = []
    for n in range(1, NODES + 1):
        (tmp_path / f"node{n}").mkdir()
        nodes.append(
            ServerProcess(
                shared_database,
                tmp_path / f"node{n}",
                STEPPE_CLUSTER_URL=nats_server.url,
                STEPPE_NODE_ID=f"node{n}",
                STEPPE_CLUSTER_LEASE="3",
                STEPPE_PING_INTERVAL="2",
                STEPPE_PING_TIMEOUT="2",
            )
        )
    proxy = HaProxy(
        tmp_path,
        [n.ocpp_port for n in nodes],
        [n.http_port for n in nodes],
        balance="roundrobin",
    )
    ledger = Ledger()
    options = FleetOptions(
        url=proxy.ocpp_url,
        stations=STATIONS,
        prefix="FLEET-",
        password="cluster-fleet-password-1",
        id_tokens=("FLEET-TAG-1",),
    )
    profiles = [
        dataclasses.replace(durable(p, n), ocpp_version="1.6")
        for n, p in enumerate(options.profiles())
    ]
    fleet = Fleet(proxy.ocpp_url, profiles, stagger=0.01, ledger=ledger)
    running: asyncio.Task[Any] | None = None
    try:
        await nodes[0].start()  # the first one migrates the shared database
        await asyncio.gather(*(node.start() for node in nodes[1:]))
        await proxy.start()
        await register(options, nodes[2].http_url, ADMIN_TOKEN)
        running = asyncio.create_task(fleet.run())
        await asyncio.sleep(2.0)
        answered_before = fleet.answered
        assert answered_before > 0, "no load reached the cluster before the kill"
        in_flight = fleet.in_flight
        nodes[0].kill()
        await asyncio.sleep(3.0)
        assert fleet.answered > answered_before, "the chargers did not go on after the kill"

        # every station, wherever it is now, answers a command sent through node 3
        async with nodes[2].client() as api:
            for profile in profiles:
                path = f"/api/v1/stations/{profile.station_id}/commands/clear-cache"
                async with asyncio.timeout(20):
                    while (answer := await api.post(path, json={})).status_code != 200:
                        assert answer.status_code in (409, 504), answer.text
                        await asyncio.sleep(0.2)
                assert answer.json()["status"] == "Accepted"
            fleet.stop()
            async with asyncio.timeout(30):
                report = await running
            stored = await all_transactions(api)
        samples = await stored_samples(shared_database)
    finally:
        if running is not None and not running.done():
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
        proxy.stop()
        for node in nodes:
            node.stop()
    assert report.failed == 0, report.errors
    print(
        f"\n{report.calls} acknowledged messages, {len(ledger.starts)} transactions, "
        f"{report.resends} resends, {in_flight} messages in flight at the kill"
    )
    by_id = {tx["id"]: tx for tx in stored}
    assert len(stored) == len(by_id) == len(ledger.starts)  # no transaction twice
    assert set(by_id) == set(ledger.starts)
    for tx_id, station_id in ledger.starts.items():
        tx = by_id[tx_id]
        assert tx["station_id"] == station_id
        assert tx["meter_start_wh"] == ledger.meter_start[tx_id]
        if tx_id in ledger.stops:
            assert tx["status"] == "completed"
            assert tx["meter_stop_wh"] == ledger.stops[tx_id]
        else:
            assert tx["status"] == "active", tx
    expected = Counter(
        {(tx, moment): 1 for tx, moments in ledger.samples.items() for moment in moments}
    )
    assert +samples == expected  # every acknowledged meter value stored, once
