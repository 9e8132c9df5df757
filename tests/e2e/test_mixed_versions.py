"""OCPP 1.6 and 2.0.1 stations charging at the same time on one server."""

from __future__ import annotations

import asyncio

import httpx
from ocpp.v16 import call as call16

from steppe.app import Steppe
from tests.e2e.charger import connect_v16, connect_v201
from tests.e2e.v201_steps import at, boot, event, register, register_value

PASSWORD = "s3cret-passw0rd-mix"


async def charge_v16(steppe: Steppe) -> str:
    async with connect_v16(steppe.ocpp_url, "OLD-1", PASSWORD) as cp:
        await cp.call(call16.BootNotification(charge_point_model="AC22", charge_point_vendor="Old"))
        start = await cp.call(
            call16.StartTransaction(
                connector_id=2, id_tag="TAG-M", meter_start=100, timestamp=at(0)
            )
        )
        await cp.call(
            call16.StopTransaction(
                meter_stop=2100, timestamp=at(20), transaction_id=start.transaction_id
            )
        )
        return str(start.transaction_id)


async def charge_v201(steppe: Steppe) -> str:
    async with connect_v201(steppe.ocpp_url, "NEW-1", PASSWORD) as cp:
        await boot(cp, vendor="New")
        tag = {"idToken": "TAG-M", "type": "ISO14443"}
        await cp.call(
            event(
                "Started",
                "TX-NEW",
                0,
                0,
                trigger="Authorized",
                id_token=tag,
                evse={"id": 1, "connectorId": 1},
                meter=[register_value(0, 0.5, "Transaction.Begin", unit="kWh")],
            )
        )
        await cp.call(
            event(
                "Ended",
                "TX-NEW",
                1,
                20,
                trigger="EVDeparted",
                stoppedReason="EVDisconnected",
                meter=[register_value(20, 3.5, "Transaction.End", unit="kWh")],
            )
        )
        return "TX-NEW"


async def test_both_versions_charge_at_once(steppe: Steppe, api: httpx.AsyncClient) -> None:
    """A 1.6 and a 2.0.1 station charge concurrently; the API shows both alike, with versions."""
    await register(api, "OLD-1", PASSWORD, "TAG-M")
    await register(api, "NEW-1", PASSWORD, "TAG-M")
    old_id, new_id = await asyncio.gather(charge_v16(steppe), charge_v201(steppe))

    page = (await api.get("/api/v1/transactions", params={"status": "completed"})).json()
    by_station = {tx["station_id"]: tx for tx in page["items"]}
    assert by_station["OLD-1"]["id"] == old_id and by_station["OLD-1"]["energy_wh"] == 2000
    assert by_station["OLD-1"]["evse_id"] == 2 and by_station["OLD-1"]["connector_id"] == 2
    assert by_station["NEW-1"]["id"] == new_id and by_station["NEW-1"]["energy_wh"] == 3000
    assert by_station["NEW-1"]["evse_id"] == 1 and by_station["NEW-1"]["connector_id"] == 1
    versions = {
        s["id"]: s["ocpp_version"] for s in (await api.get("/api/v1/stations")).json()["items"]
    }
    assert versions == {"OLD-1": "1.6", "NEW-1": "2.0.1"}
