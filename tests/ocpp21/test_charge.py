"""Whole OCPP 2.1 charges, driven by the `ocpp` library's v21 ChargePoint."""

from __future__ import annotations

import asyncio

import httpx
from ocpp.v21 import call

from steppe.app import Steppe
from tests.e2e.test_mixed_versions import PASSWORD as MIXED
from tests.e2e.test_mixed_versions import charge_v16, charge_v201
from tests.e2e.v201_steps import register as register_201
from tests.ocpp21.charger import TAG, boot, charge, connect_v21, register, transaction


async def test_whole_21_charge_ends_with_the_right_energy(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Boot, status, authorize, Started and Ended in 2.1: energy and version 2.1 in the API."""
    await register(api, "CS-21")
    async with connect_v21(steppe.ocpp_url, "CS-21") as cp:
        assert cp._connection.subprotocol == "ocpp2.1"
        assert (await boot(cp)).status == "Accepted"
        await cp.call(
            call.StatusNotification(
                timestamp="2026-11-02T08:00:00Z",
                connector_status="Occupied",
                evse_id=1,
                connector_id=1,
            )
        )
        authorized = await cp.call(call.Authorize(id_token=TAG))
        assert authorized.id_token_info["status"] == "Accepted"
        await charge(cp, "TX-21", 1000, 8500)
        station = (await api.get("/api/v1/stations/CS-21")).json()
        assert station["ocpp_version"] == "2.1" and station["connected"] is True

    tx = await transaction(api, "TX-21", "CS-21")
    assert tx["energy_wh"] == 7500 and tx["status"] == "completed"
    station = (await api.get("/api/v1/stations/CS-21")).json()
    assert station["ocpp_version"] == "2.1" and station["connected"] is False
    assert tx["evse_id"] == 1 and tx["connector_id"] == 1 and tx["id_token"] == "TAG-21"


async def test_21_is_preferred_when_offered_with_older_versions(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """A charger offering 1.6, 2.0.1 and 2.1 in any order is spoken to in 2.1."""
    await register(api, "CS-NEG")
    offered = ("ocpp1.6", "ocpp2.1", "ocpp2.0.1")
    async with connect_v21(steppe.ocpp_url, "CS-NEG", subprotocols=offered) as cp:
        assert cp._connection.subprotocol == "ocpp2.1"


async def charge_v21(steppe: Steppe) -> str:
    async with connect_v21(steppe.ocpp_url, "NEWEST-1") as cp:
        await boot(cp)
        await charge(cp, "TX-NEWEST", 500, 4500)
    return "TX-NEWEST"


async def test_three_versions_charge_at_once(steppe: Steppe, api: httpx.AsyncClient) -> None:
    """1.6, 2.0.1 and 2.1 stations charge concurrently on one server; the API shows all alike."""
    await register_201(api, "OLD-1", MIXED, "TAG-M")
    await register_201(api, "NEW-1", MIXED, "TAG-M")
    await register(api, "NEWEST-1")
    await asyncio.gather(charge_v16(steppe), charge_v201(steppe), charge_v21(steppe))

    page = (await api.get("/api/v1/transactions", params={"status": "completed"})).json()
    energy = {tx["station_id"]: tx["energy_wh"] for tx in page["items"]}
    assert energy == {"OLD-1": 2000, "NEW-1": 3000, "NEWEST-1": 4000}
    versions = {
        s["id"]: s["ocpp_version"] for s in (await api.get("/api/v1/stations")).json()["items"]
    }
    assert versions == {"OLD-1": "1.6", "NEW-1": "2.0.1", "NEWEST-1": "2.1"}
