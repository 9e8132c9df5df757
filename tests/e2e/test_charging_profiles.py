"""A station's charging profiles through the API, against the `ocpp` library's 2.0.1 charger:
set (kept with the station's answer, a rejected one too), its composite schedule read, cleared,
and sent again when the station comes back without them."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from ocpp.routing import on
from ocpp.v201 import ChargePoint, call_result
from ocpp.v201.enums import Action

from steppe.app import Steppe
from tests.api.commands_helpers import PASSWORD, register
from tests.e2e.charger import connect_v201
from tests.e2e.v201_steps import boot

STATION = "PROF-201"


def profile(number: int, limit: float) -> dict[str, Any]:
    return {
        "id": number,
        "stackLevel": number,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": [
            {
                "id": number,
                "startSchedule": "2026-01-01T00:00:00Z",
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
            }
        ],
    }


class Holding201(ChargePoint):
    """Holds the profiles it accepts; rejects any above 32 A; answers its composite schedule."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.held: dict[int, float] = {}
        self.received: list[int] = []

    @on(Action.set_charging_profile)
    async def set_profile(
        self, evse_id: int, charging_profile: dict[str, Any]
    ) -> call_result.SetChargingProfile:
        number = charging_profile["id"]
        self.received.append(number)
        limit = charging_profile["charging_schedule"][0]["charging_schedule_period"][0]["limit"]
        if limit > 32:
            return call_result.SetChargingProfile(status="Rejected")
        self.held[number] = limit
        return call_result.SetChargingProfile(status="Accepted")

    @on(Action.clear_charging_profile)
    async def clear_profile(self, **payload: Any) -> call_result.ClearChargingProfile:
        number = payload.get("charging_profile_id")
        if number not in self.held:
            return call_result.ClearChargingProfile(status="Unknown")
        del self.held[number]
        return call_result.ClearChargingProfile(status="Accepted")

    @on(Action.get_composite_schedule)
    async def composite(
        self, duration: int, evse_id: int, **_: Any
    ) -> call_result.GetCompositeSchedule:
        limit = min(self.held.values(), default=32.0)
        return call_result.GetCompositeSchedule(
            status="Accepted",
            schedule={
                "evseId": evse_id,
                "duration": duration,
                "scheduleStart": "2026-01-01T00:00:00Z",
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
            },
        )


async def _stored(api: httpx.AsyncClient) -> dict[int, str]:
    rows = (await api.get(f"/api/v1/stations/{STATION}/charging-profiles")).json()
    return {row["profile_id"]: row["status"] for row in rows}


async def test_profiles_are_kept_with_their_answer_cleared_and_restored(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Set 16 A (accepted) and 40 A (rejected), read the composite schedule, clear the first;
    set 20 A, and a station that comes back holding nothing is sent 20 A again, not 40 A."""
    await register(api, STATION)
    url = f"/api/v1/stations/{STATION}/charging-profiles"
    async with connect_v201(steppe.ocpp_url, STATION, PASSWORD, cls=Holding201) as cp:
        await boot(cp)
        answer = await api.post(url, json={"evse_id": 1, "profile": profile(1, 16)})
        assert answer.status_code == 200 and answer.json()["status"] == "Accepted"
        answer = await api.post(url, json={"evse_id": 1, "profile": profile(2, 40)})
        assert answer.json()["status"] == "Rejected"
        assert await _stored(api) == {1: "Accepted", 2: "Rejected"}

        composite = await api.get(
            f"/api/v1/stations/{STATION}/composite-schedule",
            params={"evse_id": 1, "duration": 600, "unit": "A"},
        )
        assert composite.status_code == 200, composite.text
        schedule = composite.json()["response"]["schedule"]
        assert schedule["chargingSchedulePeriod"][0]["limit"] == 16

        cleared = await api.delete(url, params={"profile_id": 1})
        assert cleared.json()["status"] == "Accepted"
        assert await _stored(api) == {2: "Rejected"}
        assert cp.held == {}

        await api.post(url, json={"evse_id": 1, "profile": profile(3, 20)})
        assert await _stored(api) == {2: "Rejected", 3: "Accepted"}

    # it comes back after a power cut, holding nothing
    async with connect_v201(steppe.ocpp_url, STATION, PASSWORD, cls=Holding201) as cp:
        await boot(cp)
        async with asyncio.timeout(10):
            while cp.held != {3: 20}:
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)  # a boot right after the connection is not served twice
        assert cp.received == [3]
    audit = (await api.get("/api/v1/audit", params={"actor": "steppe:profiles"})).json()
    assert [e["params"]["profile"]["id"] for e in audit["items"]] == [3]


async def test_bad_profile_requests_are_4xx_with_a_json_body(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """An unknown station is 404; a station not connected 409; a profile the schema refuses 422."""
    url = "/api/v1/stations/{}/charging-profiles"
    answer = await api.post(url.format("NOPE"), json={"profile": profile(1, 16)})
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    await register(api, STATION)
    answer = await api.post(url.format(STATION), json={"profile": profile(1, 16)})
    assert answer.status_code == 409
    async with connect_v201(steppe.ocpp_url, STATION, PASSWORD, cls=Holding201) as cp:
        await boot(cp)
        answer = await api.post(url.format(STATION), json={"profile": {"id": "x"}})
        assert answer.status_code == 422 and "error" in answer.json()
        answer = await api.post(url.format(STATION), json={"evse_id": -1, "profile": {}})
        assert answer.status_code == 422
        answer = await api.get(
            f"/api/v1/stations/{STATION}/composite-schedule", params={"unit": "kW"}
        )
        assert answer.status_code == 422
