"""The Almaty site: eight simulated chargers, 1.6 and 2.0.1, behind one 63 A three-phase
connection, with three-phase BEVs and single-phase plug-in hybrids arriving and leaving. What
the cars draw on each grid phase stays under 63 A at every instant, while a charger drops its
link and comes back (and gets its profiles again), and beside a charger that rejects profiles."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from steppe.app import Steppe, running
from steppe.domain.events import EventType
from steppe.domain.vehicles.models import Catalogue
from steppe.simulator import Charger, ChargerProfile
from steppe.simulator.site_meter import SiteMeter
from tests.api.commands_helpers import PASSWORD, register

LIMIT_A = 63.0
CATALOGUE = Catalogue.load()
BEV_22 = CATALOGUE.get("zeekr-001-eu-2023")  # three-phase, 22 kW on board: 31.9 A a phase
BEV_11 = CATALOGUE.get("tesla-model-3-eu-2021-rwd")  # three-phase, 11 kW: 16 A a phase
PHEV_66 = CATALOGUE.get("chery-tiggo-8-pro-e-eu-2024")  # one phase, 6.6 kW: 28.7 A
PHEV_37 = CATALOGUE.get("mitsubishi-outlander-phev-eu-2022-20-kwh")  # one phase, 3.7 kW: 16 A
# station, version, rotation (grid phase of its L1, L2, L3), the car that comes to it
CHARGERS = (
    ("ALA-1", "1.6", "RST", BEV_22),
    ("ALA-2", "2.0.1", "STR", BEV_22),
    ("ALA-3", "1.6", "TRS", BEV_22),
    ("ALA-4", "2.0.1", "RST", BEV_11),
    ("ALA-5", "1.6", "STR", PHEV_66),
    ("ALA-6", "2.0.1", "TRS", PHEV_66),
    ("ALA-7", "1.6", "RST", BEV_11),
    ("ALA-8", "2.0.1", "STR", PHEV_37),  # single-phase 16 A (grid L2); rejects every profile
)
DROPPING = "ALA-2"
REFUSING = "ALA-8"
TOKEN = "ALA-TOKEN"
MAX_PROFILE = {  # an operator's station maximum on ALA-2, sent again when the station returns
    "id": 77,
    "stackLevel": 0,
    "chargingProfilePurpose": "ChargingStationMaxProfile",
    "chargingProfileKind": "Absolute",
    "chargingSchedule": [
        {
            "id": 1,
            "startSchedule": "2026-01-01T00:00:00Z",
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 32}],
        }
    ],
}


@pytest.fixture
async def steppe(make_steppe: Callable[..., Steppe]) -> AsyncIterator[Steppe]:
    async with running(make_steppe(site_allocation_interval=0.5)) as app:
        yield app


def _profile(station_id: str, version: str, rotation: str, car: Any) -> ChargerProfile:
    return ChargerProfile(
        station_id=station_id,
        password=PASSWORD,
        ocpp_version=version,
        connectors=1,
        power_kw=3.7 if station_id == REFUSING else 22.0,
        id_tokens=(TOKEN,),
        idle_seconds=(0.5, 1.5),
        session_seconds=(3.0, 5.0),
        meter_interval=0.25,
        time_scale=60.0,
        vehicles=(car,),
        outlets=(("IEC_62196_T2", 3.7 if station_id == REFUSING else 22.0),),
        rotation=rotation,
        phases=1 if station_id == REFUSING else 3,
        accept_profiles=station_id != REFUSING,
        report_currents=True,
        durable=True,
        call_timeout=5.0,
        seed=len(station_id) + int(station_id[-1]),
    )


async def _until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


async def _sent_since(api: httpx.AsyncClient, station_id: str, after: int) -> list[dict[str, Any]]:
    """The commands sent to the station after audit entry `after`, oldest first."""
    page = (await api.get("/api/v1/audit", params={"station_id": station_id})).json()
    return [e for e in reversed(page["items"]) if e["id"] > after]


async def test_eight_chargers_on_63_amps_never_overload_a_phase(
    steppe: Steppe, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    """Cars come and go on eight chargers for a few seconds; one drops its link and comes back;
    one rejects profiles. The grid meter's peak on every phase stays under 63 A."""
    stations = [c[0] for c in CHARGERS]
    await register(api, *stations)
    await api.post("/api/v1/id-tokens", json={"id_token": TOKEN, "status": "Accepted"})
    site = {
        "max_current_a": "63",
        "phases": 3,
        "station_ids": stations,
        "margin_a": "8",
        "evses": [
            {"station_id": s, "evse_id": 1, "rotation": r, "phases": 3}
            for s, _, r, _ in CHARGERS
            if s != REFUSING
        ]
        + [
            {
                "station_id": REFUSING,
                "evse_id": 1,
                "rotation": "STR",
                "phases": 1,
                "max_current_a": "16",
            }
        ],
    }
    assert (await api.put("/api/v1/sites/almaty", json=site)).status_code == 201
    meter = SiteMeter()
    chargers = {
        s: Charger(_profile(s, v, r, car), steppe.ocpp_url, site_meter=meter)
        for s, v, r, car in CHARGERS
    }
    runners = [asyncio.create_task(c.run()) for c in chargers.values()]
    try:
        await _until(lambda: all(steppe.registry.is_connected(s) for s in stations))
        answer = await api.post(
            f"/api/v1/stations/{DROPPING}/charging-profiles",
            json={"evse_id": 0, "profile": MAX_PROFILE},
        )
        assert answer.json()["status"] == "Accepted", answer.text
        await _until(lambda: sum(c.stats.sessions_started for c in chargers.values()) >= 8)

        dropping = chargers[DROPPING]
        await _until(lambda: 1 in dropping.sessions and dropping.sessions[1].power_w > 0)
        page = (await api.get("/api/v1/audit", params={"station_id": DROPPING})).json()
        last_seen = max(e["id"] for e in page["items"])
        links = {EventType.STATION_DISCONNECTED.value, EventType.STATION_CONNECTED.value}
        async with steppe.services.bus.subscribe(
            lambda e: e.station_id == DROPPING, wants=links.__contains__
        ) as seen:
            dropping.abort()  # the link drops; the car keeps drawing on its last limit
            async with asyncio.timeout(15):  # Steppe sees it go, and come back
                assert (await seen.queue.get()).type is EventType.STATION_DISCONNECTED
                assert (await seen.queue.get()).type is EventType.STATION_CONNECTED

        async def profiles_back() -> set[tuple[str, str]]:
            sent = await _sent_since(api, DROPPING, last_seen)
            return {
                (e["actor"], e["params"].get("purpose") or e["params"]["profile"]["id"])
                for e in sent
                if e["status"] == "Accepted"
            }

        wanted = {("steppe:load", "TxDefaultProfile"), ("steppe:profiles", 77)}
        async with asyncio.timeout(15):
            while not wanted <= await profiles_back():
                await asyncio.sleep(0.1)
        stored = (await api.get(f"/api/v1/stations/{DROPPING}/charging-profiles")).json()
        assert {(p["profile_id"], p["status"]) for p in stored} >= {(77, "Accepted")}
        refused = (await api.get(f"/api/v1/stations/{REFUSING}/charging-profiles")).json()
        assert [p["status"] for p in refused] == ["Rejected"]  # its default, refused

        view = (await api.get("/api/v1/sites/almaty")).json()
        refusing = next(e for e in view["allocations"] if e["station_id"] == REFUSING)
        assert refusing["accepts_profiles"] is False and refusing["state"] == "uncontrolled"
        assert refusing["reason"] == "no_profiles"
        async with asyncio.timeout(15):  # the cars' Current.Import readings reach the site
            while not any(e["measured_a"] for e in view["allocations"]):
                await asyncio.sleep(0.1)
                view = (await api.get("/api/v1/sites/almaty")).json()
        assert any(value != "0" for value in view["measured_a"].values())
        await _until(lambda: sum(c.stats.sessions_completed for c in chargers.values()) >= 8)
    finally:
        for charger in chargers.values():
            charger.stop()
        await asyncio.wait_for(asyncio.gather(*runners, return_exceptions=True), 20)

    assert all(peak <= LIMIT_A for peak in meter.peaks), meter.peaks
    assert max(meter.peaks) > 30  # the site's capacity was used, not left idle
    trace = os.environ.get("STEPPE_SITE_LOAD_TRACE")
    if trace:
        Path(trace).write_text(json.dumps({"limit_a": LIMIT_A, "history": meter.history}))
