"""Resends after a lost reply: the same answer, one transaction, no energy counted twice."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from steppe.app import Steppe
from tests.gateway.rawclient import exchange, raw_station, register

TAG = "DUP-TAG-1"


def frame(message_id: str, action: str, payload: dict[str, Any]) -> str:
    return orjson.dumps([2, message_id, action, payload]).decode()


START = {"connectorId": 1, "idTag": TAG, "meterStart": 10_000, "timestamp": "2026-11-02T08:00:00Z"}


def meter(tx: int, minute: int, wh: int) -> dict[str, Any]:
    return {
        "connectorId": 1,
        "transactionId": tx,
        "meterValue": [
            {
                "timestamp": f"2026-11-02T08:{minute:02d}:00Z",
                "sampledValue": [
                    {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
                ],
            }
        ],
    }


def stop(tx: int, meter_stop: int) -> dict[str, Any]:
    return {
        "transactionId": tx,
        "meterStop": meter_stop,
        "timestamp": "2026-11-02T08:30:00Z",
        "reason": "EVDisconnected",
    }


async def setup(api: httpx.AsyncClient, station_id: str) -> None:
    await register(api, station_id)
    response = await api.post("/api/v1/id-tokens", json={"id_token": TAG, "status": "Accepted"})
    assert response.status_code == 201


async def only_transaction(api: httpx.AsyncClient, station_id: str) -> dict[str, Any]:
    page = (await api.get("/api/v1/transactions", params={"station_id": station_id})).json()
    [tx] = page["items"]
    detail: dict[str, Any] = (await api.get(f"/api/v1/transactions/{tx['id']}")).json()
    return detail


async def test_same_message_id_resent_gets_the_same_answer_and_counts_once(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    await setup(api, "DUP-1")
    async with raw_station(steppe.ocpp_url, "DUP-1") as ws:
        first = await exchange(ws, frame("start-1", "StartTransaction", START))
        again = await exchange(ws, frame("start-1", "StartTransaction", START))
        assert first[0] == again[0] == 3
        assert first == again
        tx = first[2]["transactionId"]
        for minute, wh in ((5, 11_000), (10, 12_500)):
            for _ in range(2):
                assert (
                    await exchange(ws, frame(f"mv-{minute}", "MeterValues", meter(tx, minute, wh)))
                )[0] == 3
    # The reply was lost with the connection: the charger resends on a new one.
    async with raw_station(steppe.ocpp_url, "DUP-1") as ws:
        assert (await exchange(ws, frame("mv-10", "MeterValues", meter(tx, 10, 12_500))))[0] == 3
        for _ in range(2):
            answer = await exchange(ws, frame("stop-1", "StopTransaction", stop(tx, 13_000)))
            assert answer[0] == 3, answer

    detail = await only_transaction(api, "DUP-1")
    assert detail["id"] == str(tx)
    assert detail["status"] == "completed"
    assert detail["energy_wh"] == 3000
    assert [s["value"] for s in detail["meter_values"]] == ["11000", "12500"]


async def test_same_content_with_a_new_message_id_is_the_same_transaction(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    await setup(api, "DUP-2")
    async with raw_station(steppe.ocpp_url, "DUP-2") as ws:
        first = await exchange(ws, frame("a", "StartTransaction", START))
    async with raw_station(steppe.ocpp_url, "DUP-2") as ws:
        resent = await exchange(ws, frame("b", "StartTransaction", START))
        assert resent[2]["transactionId"] == first[2]["transactionId"]
        # A different start (another meterStart) is another transaction.
        other = await exchange(ws, frame("c", "StartTransaction", {**START, "meterStart": 20_000}))
        assert other[2]["transactionId"] != first[2]["transactionId"]
    page = (await api.get("/api/v1/transactions", params={"station_id": "DUP-2"})).json()
    assert len(page["items"]) == 2


async def test_stop_twice_is_one_stop(steppe: Steppe, api: httpx.AsyncClient) -> None:
    await setup(api, "DUP-3")
    async with raw_station(steppe.ocpp_url, "DUP-3") as ws:
        tx = (await exchange(ws, frame("s", "StartTransaction", START)))[2]["transactionId"]
        assert (await exchange(ws, frame("x1", "StopTransaction", stop(tx, 14_000))))[0] == 3
        # A second stop, even with other numbers, neither moves the end nor adds energy.
        assert (await exchange(ws, frame("x2", "StopTransaction", stop(tx, 19_000))))[0] == 3
    detail = await only_transaction(api, "DUP-3")
    assert detail["status"] == "completed"
    assert detail["meter_stop_wh"] == 14_000
    assert detail["energy_wh"] == 4000
    assert detail["closed_by"] == "station"
