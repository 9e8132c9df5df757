"""The simulator charges like a car: a catalogue row's curve, capped by the connector and by the
charging limit the server sends, so the energy the server stores rises as that car's would."""

from __future__ import annotations

import asyncio
import random

import httpx

from steppe.app import Steppe
from steppe.domain.vehicles.compatibility import DC_LOSS, power_at
from steppe.domain.vehicles.models import Catalogue
from steppe.simulator import Charger, ChargerProfile
from steppe.simulator.car import CarSession, outlet, plug_in
from tests.api.commands_helpers import PASSWORD, register

CATALOGUE = Catalogue.load()
C10_CN = CATALOGUE.get("leapmotor-c10-cn-2024")
C10_EU = CATALOGUE.get("leapmotor-c10-eu-2025")
GBT_DC_120 = outlet(1, "GBT_DC", 120.0)


def test_a_car_draws_its_curve_and_the_meter_counts_its_losses() -> None:
    """From 20 %: the C10's 84 kW, tapering past 50 %; what is metered, less 5 % DC losses, is
    what the state of charge gained; it stops drawing at its target."""
    car = CarSession(C10_CN, GBT_DC_120, soc=20.0, target_soc=90.0)
    assert car.draw(None) == int(power_at(C10_CN, GBT_DC_120, 20) * 1000) == 84_000
    metered = car.charge(20 * 60, None)  # 20 simulated minutes
    stored_kwh = (car.soc - 20) / 100 * float(C10_CN.battery_kwh)
    assert abs(metered / 1000 * (1 - float(DC_LOSS)) - stored_kwh) < 0.01
    assert 50 < car.soc < 90
    tapered = car.draw(None)
    assert tapered < 84_000
    car.charge(10 * 3600, None)
    assert car.full and car.soc == 90.0 and car.power_w == 0 and car.draw(None) == 0


def test_a_limit_caps_the_draw_and_an_ac_point_its_on_board_charger() -> None:
    """A 20 kW limit holds a DC car at 20 kW; on a 22 kW Type 2 point the export C10 of 2025
    draws its three-phase on-board charger's 11 kW."""
    car = CarSession(C10_CN, GBT_DC_120, soc=30.0, target_soc=80.0)
    assert car.draw(20_000) == 20_000
    ac = CarSession(C10_EU, outlet(1, "IEC_62196_T2", 22.0), soc=30.0, target_soc=80.0)
    assert ac.draw(None) == 11_000


def test_only_a_car_that_fits_is_plugged_in() -> None:
    """A GB/T gun gets the Chinese C10, never the export one; a CCS2 gun none of two GB/T cars."""
    rng = random.Random(1)
    for _ in range(20):
        car = plug_in((C10_EU, C10_CN), GBT_DC_120, rng, (10.0, 40.0), 90.0)
        assert car is not None and car.vehicle is C10_CN and 10 <= car.soc <= 40
    ccs = outlet(2, "IEC_62196_T2_COMBO", 150.0)
    assert plug_in((C10_CN,), ccs, rng, (10.0, 40.0), 90.0) is None


async def test_a_simulated_car_charges_along_its_curve_and_obeys_the_servers_limit(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """A 2.0.1 charger with a GB/T DC gun and a Chinese C10: remote started, it reports about
    84 kW; after the server's 30 kW profile, at most 30 kW; the stored energy keeps rising."""
    await register(api, "SIM-CAR")
    await api.post("/api/v1/id-tokens", json={"id_token": "CAR-TOKEN", "status": "Accepted"})
    profile = ChargerProfile(
        station_id="SIM-CAR",
        password=PASSWORD,
        ocpp_version="2.0.1",
        connectors=1,
        id_tokens=("CAR-TOKEN",),
        sessions=1,
        idle_seconds=(30.0, 30.0),
        session_seconds=(60.0, 60.0),
        meter_interval=0.2,
        time_scale=10.0,
        vehicles=(C10_CN,),
        outlets=(("GBT_DC", 120.0),),
        arrival_soc=(20.0, 20.0),
        target_soc=95.0,
    )
    charger = Charger(profile, steppe.ocpp_url)
    runner = asyncio.create_task(charger.run())
    try:
        await _until(lambda: steppe.registry.is_connected("SIM-CAR"))
        start = {"id_token": "CAR-TOKEN", "evse_id": 1}
        answer = await api.post("/api/v1/stations/SIM-CAR/commands/remote-start", json=start)
        assert answer.json()["status"] == "Accepted", answer.text
        await _until(lambda: 1 in charger.sessions and charger.sessions[1].power_w > 0)
        assert 80_000 <= charger.sessions[1].power_w <= 84_000
        limit = {
            "evse_id": 1,
            "profile": {
                "id": 7,
                "stackLevel": 1,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": [
                    {
                        "id": 1,
                        "chargingRateUnit": "W",
                        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 30000}],
                    }
                ],
            },
        }
        answer = await api.post(
            "/api/v1/stations/SIM-CAR/commands/set-charging-profile", json=limit
        )
        assert answer.json()["status"] == "Accepted", answer.text
        before = charger.sessions[1].meter_wh
        await _until(lambda: charger.sessions[1].meter_wh > before + 200)
        assert charger.sessions[1].power_w == 30_000
        tx = (await api.get("/api/v1/transactions", params={"station_id": "SIM-CAR"})).json()
        assert tx["items"][0]["energy_wh"] or tx["items"][0]["status"] == "active"
    finally:
        charger.stop()
        await asyncio.wait_for(runner, 10)


async def _until(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)
