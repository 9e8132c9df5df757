"""The simulator drives a real Steppe through whole sessions, and the API shows what it did."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from steppe.app import Steppe, running
from steppe.simulator import ChargerProfile, run_fleet
from steppe.simulator.launcher import FleetOptions, register
from tests.conftest import ADMIN_TOKEN


def fast_profile(station_id: str, version: str) -> ChargerProfile:
    return ChargerProfile(
        station_id=station_id,
        password="sim-password-1",
        ocpp_version=version,
        connectors=1,
        power_kw=36.0,
        id_tokens=("SIM-TOKEN",),
        sessions=1,
        idle_seconds=(0.0, 0.05),
        session_seconds=(0.6, 0.6),
        meter_interval=0.2,
        time_scale=100.0,
    )


@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
async def test_a_simulated_fleet_charges_and_the_api_counts_the_energy(
    steppe: Steppe, api: httpx.AsyncClient, version: str
) -> None:
    """Three chargers, one session each: three completed transactions with their energy."""
    options = FleetOptions(url=steppe.ocpp_url, stations=3, password="sim-password-1")
    await register(options, steppe.http_url, ADMIN_TOKEN)
    profiles = [fast_profile(sid, version) for sid in options.station_ids()]
    report = await asyncio.wait_for(run_fleet(steppe.ocpp_url, profiles), timeout=30)
    assert report.failed == 0 and report.refused == 0, report.errors
    assert report.sessions_completed == 3

    page = (await api.get("/api/v1/transactions", params={"limit": 10})).json()
    done = [tx for tx in page["items"] if tx["status"] == "completed"]
    assert len(done) == 3
    assert sum(tx["energy_wh"] for tx in done) == report.energy_wh > 0
    for tx in done:
        assert tx["station_id"] in options.station_ids()
        detail = (await api.get(f"/api/v1/transactions/{tx['id']}")).json()
        assert any(s["measurand"] == "Power.Active.Import" for s in detail["meter_values"])


async def test_demo_mode_connects_its_simulated_stations(make_steppe, api_for) -> None:  # type: ignore[no-untyped-def]
    """`--demo` registers stations in the region; a 1.6 and a 2.0.1 one connect to the server."""
    async with running(make_steppe(demo=True, demo_stations=2)) as app, api_for(app) as api:
        for _ in range(100):
            stations = (await api.get("/api/v1/stations")).json()["items"]
            if len(stations) == 2 and all(s["connected"] for s in stations):
                break
            await asyncio.sleep(0.1)
        assert {s["id"] for s in stations} == {"DEMO-001", "DEMO-002"}
        assert all(s["connected"] for s in stations)
        assert stations[0]["location"]["time_zone"] == "Asia/Almaty"
        versions = {s["id"]: s["ocpp_version"] for s in stations}
        assert versions == {"DEMO-001": "1.6", "DEMO-002": "2.0.1"}
