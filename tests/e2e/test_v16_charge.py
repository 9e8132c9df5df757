"""A whole OCPP 1.6 charge, driven by the `ocpp` library as an independent charger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from ocpp.v16 import call

from steppe.app import Steppe
from tests.e2e.charger import connect_v16

PASSWORD = "s3cret-passw0rd-16"


def at(minutes: float) -> str:
    base = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    return (base + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


async def test_whole_charge_ends_with_the_right_energy(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Boot, status, authorize, start, meter values, stop: the API shows the energy charged."""
    assert (
        await api.post("/api/v1/stations", json={"id": "CP-1", "password": PASSWORD})
    ).status_code == 201
    assert (
        await api.post("/api/v1/id-tokens", json={"id_token": "TAG-1", "status": "Accepted"})
    ).status_code == 201

    async with connect_v16(steppe.ocpp_url, "CP-1", PASSWORD) as cp:
        boot = await cp.call(
            call.BootNotification(charge_point_model="AC22", charge_point_vendor="Steppe Test")
        )
        assert boot.status == "Accepted"
        assert boot.interval > 0
        await cp.call(
            call.StatusNotification(connector_id=1, error_code="NoError", status="Preparing")
        )
        auth = await cp.call(call.Authorize(id_tag="TAG-1"))
        assert auth.id_tag_info["status"] == "Accepted"
        start = await cp.call(
            call.StartTransaction(connector_id=1, id_tag="TAG-1", meter_start=1000, timestamp=at(0))
        )
        assert start.id_tag_info["status"] == "Accepted"
        tx_id = start.transaction_id
        for minute, register in ((5, 2500), (10, 4200)):
            await cp.call(
                call.MeterValues(
                    connector_id=1,
                    transaction_id=tx_id,
                    meter_value=[
                        {
                            "timestamp": at(minute),
                            "sampledValue": [
                                {
                                    "value": str(register),
                                    "measurand": "Energy.Active.Import.Register",
                                    "unit": "Wh",
                                },
                                {"value": "7.2", "measurand": "Power.Active.Import", "unit": "kW"},
                            ],
                        }
                    ],
                )
            )
        station = (await api.get("/api/v1/stations/CP-1")).json()
        assert station["connected"] is True
        assert station["ocpp_version"] == "1.6"
        assert station["vendor"] == "Steppe Test" and station["model"] == "AC22"
        assert {"connector_id": 1, "status": "Preparing"}.items() <= station["connectors"][
            0
        ].items()

        stop = await cp.call(
            call.StopTransaction(
                meter_stop=5400,
                timestamp=at(12),
                transaction_id=tx_id,
                reason="EVDisconnected",
                id_tag="TAG-1",
            )
        )
        assert stop.id_tag_info["status"] == "Accepted"

    page = (
        await api.get("/api/v1/transactions", params={"station_id": "CP-1", "limit": 10})
    ).json()
    assert page["next"] is None
    [tx] = page["items"]
    assert tx["id"] == str(tx_id)
    assert tx["energy_wh"] == 4400
    assert tx["meter_start_wh"] == 1000 and tx["meter_stop_wh"] == 5400
    assert tx["status"] == "completed" and tx["stop_reason"] == "EVDisconnected"
    assert tx["connector_id"] == 1 and tx["id_token"] == "TAG-1"

    detail = (await api.get(f"/api/v1/transactions/{tx_id}")).json()
    powers = [s for s in detail["meter_values"] if s["measurand"] == "Power.Active.Import"]
    assert [p["value"] for p in powers] == ["7200", "7200"] and powers[0]["unit"] == "W"
