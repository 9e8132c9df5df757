"""A site with a cheaper night: a 2.0.1 car that tells its need (NotifyEVChargingNeeds) gets a
TxProfile whose periods wait for the cheap hours and meet the need by its departure, each
within the limit the site gives it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from ocpp.routing import on
from ocpp.v201 import ChargePoint, call, call_result
from ocpp.v201.enums import Action

from steppe.app import Steppe
from tests.api.commands_helpers import PASSWORD, register
from tests.e2e.charger import connect_v201
from tests.e2e.v201_steps import boot

STATION = "NIGHT-1"


class Scheduled201(ChargePoint):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.profiles: list[dict[str, Any]] = []

    @on(Action.set_charging_profile)
    async def set_profile(
        self, evse_id: int, charging_profile: dict[str, Any]
    ) -> call_result.SetChargingProfile:
        self.profiles.append(charging_profile)
        return call_result.SetChargingProfile(status="Accepted")


def hhmm(moment: datetime) -> str:
    return moment.strftime("%H:%M")


async def test_a_car_that_tells_its_need_waits_for_the_cheap_hours(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Energy is cheap from two hours from now for six hours; a car needing 22 kWh in ten hours
    at up to 16 A on three phases (11 kW) is sent 0 A now, then 16 A in the cheap hours: two
    hours of it, no more than it needs."""
    await register(api, STATION)
    await api.post("/api/v1/id-tokens", json={"id_token": "NIGHT", "status": "Accepted"})
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    cheap, dear = now + timedelta(hours=2), now + timedelta(hours=8)
    site = {
        "max_current_a": "32",
        "station_ids": [STATION],
        "prices": {
            "zone": "UTC",
            "steps": [
                {"starts": hhmm(cheap), "price_per_kwh": "45"},
                {"starts": hhmm(dear), "price_per_kwh": "90"},
            ],
        },
    }
    assert (await api.put("/api/v1/sites/night", json=site)).status_code == 201
    async with connect_v201(steppe.ocpp_url, STATION, PASSWORD, cls=Scheduled201) as cp:
        await boot(cp)
        departure = (now + timedelta(hours=10)).isoformat().replace("+00:00", "Z")
        await cp.call(
            call.NotifyEVChargingNeeds(
                evse_id=1,
                charging_needs={
                    "requestedEnergyTransfer": "AC_three_phase",
                    "departureTime": departure,
                    "acChargingParameters": {
                        "energyAmount": 22_080,
                        "evMinCurrent": 6,
                        "evMaxCurrent": 16,
                        "evMaxVoltage": 400,
                    },
                },
            )
        )
        await cp.call(
            call.TransactionEvent(
                event_type="Started",
                timestamp=datetime.now(UTC).isoformat(),
                trigger_reason="Authorized",
                seq_no=0,
                transaction_info={"transactionId": "night-tx", "chargingState": "EVConnected"},
                evse={"id": 1, "connectorId": 1},
                id_token={"idToken": "NIGHT", "type": "ISO14443"},
            )
        )
        async with asyncio.timeout(10):
            while not any(p["charging_profile_purpose"] == "TxProfile" for p in cp.profiles):
                await asyncio.sleep(0.05)
    profile = next(p for p in cp.profiles if p["charging_profile_purpose"] == "TxProfile")
    assert profile["charging_profile_kind"] == "Absolute"
    assert profile["transaction_id"] == "night-tx"
    schedule = profile["charging_schedule"][0]
    start = datetime.fromisoformat(schedule["start_schedule"].replace("Z", "+00:00"))
    periods = [(p["start_period"], p["limit"]) for p in schedule["charging_schedule_period"]]
    assert periods[0][1] == 0  # dear now: wait
    charging = [(s, limit) for s, limit in periods if limit > 0]
    first = start + timedelta(seconds=charging[0][0])
    assert abs((first - cheap).total_seconds()) <= 60
    assert charging[0][1] == 16  # the car's maximum, within the site's 32 A
    after = [s for s, _ in periods if s > charging[0][0]]
    assert after and after[0] - charging[0][0] == 2 * 3600  # 22.08 kWh at 11.04 kW: two hours
