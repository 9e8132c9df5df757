"""`steppe serve --workers 2`: two node processes on one pair of ports (SO_REUSEPORT); stations
spread over both, and a command through the shared HTTP port reaches each station."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import nats
from ocpp.v16 import call

from tests.api.commands_helpers import PASSWORD, RecordingV16, register
from tests.cluster.infrastructure import NatsServer, wait_for_port
from tests.conftest import ADMIN_TOKEN
from tests.e2e.charger import connect_v16
from tests.reliability.process import free_port

STATIONS = 16


async def nodes_holding(url: str) -> set[str]:
    """The nodes the presence bucket names as holding a station."""
    client = await nats.connect(url)
    try:
        kv = await client.jetstream().key_value("steppe_presence")
        keys = [key for key in await kv.keys() if key.startswith("s.")]
        return {json.loads((await kv.get(key)).value or b"{}")["node"] for key in keys}
    finally:
        await client.close()


async def test_two_workers_share_the_ports_and_reach_each_others_stations(
    tmp_path: Path, nats_server: NatsServer, shared_database: str
) -> None:
    """Sixteen stations land on both workers (kernel's choice); a reset sent through the
    shared HTTP port reaches every one of them, whichever worker answers the request."""
    http_port, ocpp_port = free_port(), free_port()
    log = (tmp_path / "workers.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "steppe",
            "serve",
            "--workers",
            "2",
            "--http-port",
            str(http_port),
            "--ocpp-port",
            str(ocpp_port),
            "--database-url",
            shared_database,
        ],
        env={
            **os.environ,
            "STEPPE_ADMIN_TOKEN": ADMIN_TOKEN,
            "STEPPE_PASSWORD_HASH_COST": "10",
            "STEPPE_LOG_LEVEL": "INFO",
            "STEPPE_CLUSTER_URL": nats_server.url,
            "STEPPE_NODE_ID": "box",
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    ids = [f"W-{n:02d}" for n in range(STATIONS)]
    try:
        await wait_for_port(http_port, 60)
        await wait_for_port(ocpp_port, 60)
        async with AsyncExitStack() as stack:
            api = await stack.enter_async_context(
                httpx.AsyncClient(
                    base_url=f"http://127.0.0.1:{http_port}",
                    headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                    timeout=30,
                )
            )
            await register(api, *ids)
            chargers = []
            for station_id in ids:
                cp = await stack.enter_async_context(
                    connect_v16(
                        f"ws://127.0.0.1:{ocpp_port}/ocpp", station_id, PASSWORD, cls=RecordingV16
                    )
                )
                await cp.call(
                    call.BootNotification(charge_point_model="M", charge_point_vendor="V")
                )
            async with asyncio.timeout(20):
                while True:
                    listed = (await api.get("/api/v1/stations", params={"limit": 100})).json()
                    if sum(1 for s in listed["items"] if s["connected"]) == STATIONS:
                        break
                    await asyncio.sleep(0.1)
            for station_id in ids:
                answer = await api.post(
                    f"/api/v1/stations/{station_id}/commands/reset", json={"type": "soft"}
                )
                assert answer.status_code == 200, answer.text
                assert answer.json()["status"] == "Rejected"  # the charger's own answer
            assert all(cp.received == [("Reset", {"type": "Soft"})] for cp in chargers)
            holders = await nodes_holding(nats_server.url)
            assert holders == {"box-w1", "box-w2"}
        text = (tmp_path / "workers.log").read_text()
        assert "worker 1 started" in text and "worker 2 started" in text
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
