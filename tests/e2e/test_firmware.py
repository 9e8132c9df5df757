"""Firmware updates and log uploads are jobs with a status per station, and a rollout to 20
stations goes out in waves and stops when failures pass its threshold."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint as V16ChargePoint
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import Action as Action16

from steppe.app import Steppe, running
from tests.api.commands_helpers import PASSWORD
from tests.e2e.charger import connect_v16

BOOT = call16.BootNotification(charge_point_model="M", charge_point_vendor="V")
FAILING = {"FW-06", "FW-07", "FW-08"}


class Updating16(V16ChargePoint):
    """Downloads and installs firmware when asked; the stations in FAILING fail the download.
    Uploads diagnostics when asked."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.updates: list[str] = []

    @on(Action16.update_firmware)
    async def update(self, location: str, retrieve_date: str, **_: Any) -> result16.UpdateFirmware:
        self.updates.append(location)
        return result16.UpdateFirmware()

    @after(Action16.update_firmware)
    async def install(self, **_: Any) -> None:
        await self.call(call16.FirmwareStatusNotification(status="Downloading"))
        final = "DownloadFailed" if self.id in FAILING else "Installed"
        await self.call(call16.FirmwareStatusNotification(status=final))

    @on(Action16.get_diagnostics)
    async def diagnostics(self, location: str, **_: Any) -> result16.GetDiagnostics:
        return result16.GetDiagnostics(file_name="diag-1.zip")

    @after(Action16.get_diagnostics)
    async def upload(self, **_: Any) -> None:
        await self.call(call16.DiagnosticsStatusNotification(status="Uploading"))
        await self.call(call16.DiagnosticsStatusNotification(status="Uploaded"))


@asynccontextmanager
async def fleet(
    steppe: Steppe, api: httpx.AsyncClient, ids: list[str]
) -> AsyncIterator[dict[str, Updating16]]:
    """Registered, connected and booted chargers, one per id."""
    async with AsyncExitStack() as stack:
        chargers: dict[str, Updating16] = {}
        for station_id in ids:
            created = await api.post(
                "/api/v1/stations", json={"id": station_id, "password": PASSWORD}
            )
            assert created.status_code == 201
            cp = await stack.enter_async_context(
                connect_v16(steppe.ocpp_url, station_id, PASSWORD, cls=Updating16)
            )
            await cp.call(BOOT)
            chargers[station_id] = cp
        yield chargers


async def test_a_rollout_to_20_stations_halts_at_its_failure_threshold(
    make_steppe: Any, api_for: Any
) -> None:
    """Waves of 5, at most 2 failures: wave 1 installs, wave 2 has 3 download failures, so the
    rollout halts and the 10 stations of waves 3 and 4 never get UpdateFirmware."""
    ids = [f"FW-{n:02d}" for n in range(1, 21)]
    async with (
        running(make_steppe(rollout_tick=0.2)) as steppe,
        api_for(steppe) as api,
        fleet(steppe, api, ids) as chargers,
    ):
        made = await api.post(
            "/api/v1/firmware/rollouts",
            json={
                "station_ids": ids,
                "location": "https://firmware.example.net/v2.3.bin",
                "wave_size": 5,
                "max_failures": 2,
                "wave_timeout": 60,
            },
        )
        assert made.status_code == 201, made.text
        rollout_id = made.json()["id"]
        deadline = time.monotonic() + 90  # a few seconds; far more on a busy machine
        while time.monotonic() < deadline:
            rollout = (await api.get(f"/api/v1/firmware/rollouts/{rollout_id}")).json()
            if rollout["status"] != "running":
                break
            await asyncio.sleep(0.1)
        assert rollout["status"] == "halted", rollout
        assert "3 stations failed" in rollout["reason"], [
            (j["station_id"], j["status"], j.get("detail")) for j in rollout["jobs"]
        ]
        deadline = time.monotonic() + 90  # the halted wave's other stations still report
        while time.monotonic() < deadline:
            rollout = (await api.get(f"/api/v1/firmware/rollouts/{rollout_id}")).json()
            if not any(job["status"] in ("sent", "accepted") for job in rollout["jobs"]):
                break
            await asyncio.sleep(0.1)
        by_station = {job["station_id"]: job for job in rollout["jobs"]}
        for station_id, cp in chargers.items():
            wave = by_station[station_id]["wave"]
            got_update = bool(cp.updates)
            assert got_update == (wave <= 2), station_id
        assert rollout["counts"]["skipped"] == 10
        assert {s for s, j in by_station.items() if j["status"] == "failed"} == FAILING
        assert by_station["FW-06"]["station_status"] == "DownloadFailed"
        installed = [s for s, j in by_station.items() if j["status"] == "succeeded"]
        assert sorted(installed) == [f"FW-{n:02d}" for n in (1, 2, 3, 4, 5, 9, 10)]

        log = await api.post(
            "/api/v1/stations/FW-01/commands/get-diagnostics",
            json={"location": "ftp://logs.example.net/"},
        )
        assert log.status_code == 200, log.text
        for _ in range(150):
            jobs = (await api.get("/api/v1/stations/FW-01/jobs", params={"kind": "log"})).json()
            if jobs and jobs[0]["status"] == "succeeded":
                break
            await asyncio.sleep(0.1)
        assert jobs[0]["status"] == "succeeded" and jobs[0]["detail"] == "diag-1.zip"
        firmware = (
            await api.get("/api/v1/stations/FW-01/jobs", params={"kind": "firmware"})
        ).json()
        assert firmware[0]["station_status"] == "Installed"
