"""What the roaming tests share: a station with GB/T and CCS2 connectors and a KZT tariff, a
charger that obeys remote starts, and waiting for the eMSP to see something."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action

PASSWORD = "roaming-test-passw0rd"
STATION = "ALA-01"
TARIFF: dict[str, Any] = {
    "id": "kzt-dc",
    "currency": "KZT",
    "elements": [
        {"price_components": [{"type": "ENERGY", "price": "80", "vat": "16", "step_size": 1}]}
    ],
}


async def station_with_tariff(api: httpx.AsyncClient, station_id: str = STATION) -> None:
    location = {
        "name": "Almaty Mega",
        "latitude": 43.2389,
        "longitude": 76.8897,
        "address": "Rozybakiev 247A",
        "city": "Almaty",
        "country": "KZ",
        "time_zone": "Asia/Almaty",
    }
    created = await api.post(
        "/api/v1/stations", json={"id": station_id, "password": PASSWORD, "location": location}
    )
    assert created.status_code == 201, created.text
    connectors = {
        "connectors": [
            {
                "evse_id": 1,
                "standard": "GB/T DC",
                "format": "cable",
                "power_type": "DC",
                "max_power_kw": "60",
            },
            {
                "evse_id": 2,
                "standard": "CCS2",
                "format": "cable",
                "power_type": "DC",
                "max_power_kw": "120",
            },
        ]
    }
    put = await api.put(f"/api/v1/stations/{station_id}/connectors", json=connectors)
    assert put.status_code == 200, put.text
    if (await api.get(f"/api/v1/tariffs/{TARIFF['id']}")).status_code == 404:
        assert (await api.post("/api/v1/tariffs", json=TARIFF)).status_code == 201
    assigned = await api.put(
        f"/api/v1/stations/{station_id}/tariff", json={"tariff_ids": [TARIFF["id"]]}
    )
    assert assigned.status_code == 200, assigned.text


class ObedientCharger(ChargePoint):
    """A 1.6 charger (the `ocpp` library's) that accepts remote starts and stops."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.starts: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.stops: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    @on(Action.remote_start_transaction)
    async def remote_start(self, **payload: Any) -> call_result.RemoteStartTransaction:
        self.starts.put_nowait(payload)
        return call_result.RemoteStartTransaction(status="Accepted")

    @on(Action.unlock_connector)
    async def unlock(self, **payload: Any) -> call_result.UnlockConnector:
        self.stops.put_nowait({"unlock": payload})
        return call_result.UnlockConnector(status="Unlocked")

    @on(Action.reserve_now)
    async def reserve(self, **payload: Any) -> call_result.ReserveNow:
        self.starts.put_nowait({"reserve": payload})
        return call_result.ReserveNow(status="Occupied")

    @on(Action.remote_stop_transaction)
    async def remote_stop(self, **payload: Any) -> call_result.RemoteStopTransaction:
        self.stops.put_nowait(payload)
        return call_result.RemoteStopTransaction(status="Accepted")


def at(minutes: float) -> str:
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    return (base + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


async def eventually(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Wait until `check()` is truthy; its value."""
    async with asyncio.timeout(timeout):
        while True:
            value = check()
            if value:
                return value
            await asyncio.sleep(0.05)
