"""The event stream shows each state change a real charger causes, filtered by station."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
from ocpp.v16 import call

from steppe.app import Steppe
from tests.api.commands_helpers import PASSWORD, RecordingV16, register
from tests.conftest import ADMIN_TOKEN
from tests.e2e.charger import connect_v16

EXPECTED = [
    "station.connected",
    "connector.status",
    "transaction.started",
    "transaction.updated",
    "command.result",
    "transaction.ended",
    "station.disconnected",
]


async def sse_events(lines: AsyncIterator[str]) -> AsyncIterator[dict[str, Any]]:
    """Parsed events of a text/event-stream's lines; comments are skipped."""
    kind = None
    async for line in lines:
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data = json.loads(line.removeprefix("data: "))
            assert data["type"] == kind
            yield data


async def test_stream_shows_each_state_change_of_one_station(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Connect, status, start, meter values, a command, stop, disconnect: one event each, in order;
    another station's events are filtered out."""
    await register(api, "CP-1", "CP-2")
    assert (
        await api.post("/api/v1/id-tokens", json={"id_token": "TAG-1", "status": "Accepted"})
    ).status_code == 201
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with (
        httpx.AsyncClient(base_url=steppe.http_url, headers=headers, timeout=10) as streamer,
        streamer.stream("GET", "/api/v1/events", params={"station_id": "CP-1"}) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.aiter_lines()
        assert await anext(lines) == ": connected"
        async with connect_v16(steppe.ocpp_url, "CP-2", PASSWORD) as other:
            await other.call(call.BootNotification(charge_point_model="M", charge_point_vendor="V"))
        async with connect_v16(steppe.ocpp_url, "CP-1", PASSWORD, cls=RecordingV16) as cp:
            await cp.call(call.BootNotification(charge_point_model="M", charge_point_vendor="V"))
            await cp.call(
                call.StatusNotification(connector_id=1, error_code="NoError", status="Preparing")
            )
            start = await cp.call(
                call.StartTransaction(
                    connector_id=1, id_tag="TAG-1", meter_start=0, timestamp="2026-01-05T10:00:00Z"
                )
            )
            sample = {
                "timestamp": "2026-01-05T10:05:00Z",
                "sampledValue": [
                    {"value": "1500", "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
                ],
            }
            await cp.call(
                call.MeterValues(
                    connector_id=1, transaction_id=start.transaction_id, meter_value=[sample]
                )
            )
            command = await api.post("/api/v1/stations/CP-1/commands/reset", json={"type": "soft"})
            assert command.status_code == 200
            await cp.call(
                call.StopTransaction(
                    meter_stop=2000,
                    timestamp="2026-01-05T10:10:00Z",
                    transaction_id=start.transaction_id,
                )
            )
        seen: list[dict[str, Any]] = []

        async def collect() -> None:
            async for event in sse_events(lines):
                if event["type"] in EXPECTED:
                    seen.append(event)
                if event["type"] == "station.disconnected":
                    return

        await asyncio.wait_for(collect(), 10)
    assert [e["type"] for e in seen] == EXPECTED
    assert {e["station_id"] for e in seen} == {"CP-1"}
    by_type = {e["type"]: e["data"] for e in seen}
    assert by_type["transaction.started"]["id_token"] == "TAG-1"
    assert by_type["connector.status"]["status"] == "Preparing"
    assert by_type["command.result"]["command"] == "reset"
    assert by_type["command.result"]["status"] == "Rejected"
    assert by_type["transaction.ended"]["transaction_id"] == str(start.transaction_id)


async def test_type_filter_and_keepalive(make_steppe: Any) -> None:
    """`types=` keeps only the named types; a quiet stream still gets keepalive comments."""
    from steppe.app import running

    async with running(make_steppe(events_heartbeat=0.2)) as app:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        async with httpx.AsyncClient(base_url=app.http_url, headers=headers, timeout=10) as http:
            bad = await http.get("/api/v1/events", params={"types": "station.exploded"})
            assert bad.status_code == 422
            await register(http, "CP-1")
            async with http.stream(
                "GET", "/api/v1/events", params={"types": "station.disconnected"}
            ) as response:
                lines = response.aiter_lines()
                assert await anext(lines) == ": connected"
                async with connect_v16(app.ocpp_url, "CP-1", PASSWORD) as cp:
                    await cp.call(
                        call.BootNotification(charge_point_model="M", charge_point_vendor="V")
                    )
                got: list[str] = []
                async with asyncio.timeout(10):
                    async for line in lines:
                        got.append(line)
                        if "event: station.disconnected" in got and got[-1] == ": keepalive":
                            break
            kinds = [line for line in got if line.startswith("event: ")]
            assert kinds == ["event: station.disconnected"]
