"""Chargers that were offline: queued messages with old timestamps, and transactions that never
end, which the stale rule closes with a reason instead of leaving them active forever."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from steppe.app import Steppe, running
from tests.gateway.rawclient import exchange, raw_station, register

TAG = "OFFLINE-TAG"


def frame(message_id: str, action: str, payload: dict[str, Any]) -> str:
    return orjson.dumps([2, message_id, action, payload]).decode()


def ago(hours: float, minutes: float = 0) -> str:
    moment = datetime.now(UTC) - timedelta(hours=hours) + timedelta(minutes=minutes)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def register_sample(moment: str, wh: int, context: str | None = None) -> dict[str, Any]:
    sample: dict[str, Any] = {
        "value": str(wh),
        "measurand": "Energy.Active.Import.Register",
        "unit": "Wh",
    }
    if context is not None:
        sample["context"] = context
    return {"timestamp": moment, "sampledValue": [sample]}


async def accept_tag(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v1/id-tokens", json={"id_token": TAG, "status": "Accepted"})
    assert response.status_code == 201


async def test_a_day_offline_arrives_late_and_is_stored_with_its_own_times(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Start, samples and stop from yesterday, sent in one burst after reconnecting."""
    await register(api, "OFF-1")
    await accept_tag(api)
    async with raw_station(steppe.ocpp_url, "OFF-1") as ws:
        start = {"connectorId": 2, "idTag": TAG, "meterStart": 500, "timestamp": ago(26)}
        tx = (await exchange(ws, frame("q1", "StartTransaction", start)))[2]["transactionId"]
        values = [register_sample(ago(26, 15 * n), 500 + 1000 * n) for n in (1, 2)]
        mv = {"connectorId": 2, "transactionId": tx, "meterValue": values}
        assert (await exchange(ws, frame("q2", "MeterValues", mv)))[0] == 3
        stop = {
            "transactionId": tx,
            "meterStop": 3600,
            "timestamp": ago(25),
            "reason": "Local",
            "transactionData": [
                register_sample(ago(26), 500, "Transaction.Begin"),
                register_sample(ago(25), 3600, "Transaction.End"),
            ],
        }
        assert (await exchange(ws, frame("q3", "StopTransaction", stop)))[0] == 3

    detail = (await api.get(f"/api/v1/transactions/{tx}")).json()
    assert detail["status"] == "completed" and detail["closed_by"] == "station"
    assert detail["energy_wh"] == 3100
    assert detail["started_at"].startswith(ago(26)[:13])  # the charger's time, not arrival time
    assert detail["stopped_at"].startswith(ago(25)[:13])
    assert detail["energy_check"] == "ok"
    assert [s["value"] for s in detail["meter_values"]] == ["500", "1500", "2500", "3600"]
    assert detail["meter_values"][0]["context"] == "Transaction.Begin"


async def wait_for(
    api: httpx.AsyncClient, tx: int, check: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    async with asyncio.timeout(20):
        while True:
            detail: dict[str, Any] = (await api.get(f"/api/v1/transactions/{tx}")).json()
            if check(detail):
                return detail
            await asyncio.sleep(0.1)


async def test_silent_transaction_is_closed_by_the_stale_rule_and_a_late_stop_still_counts(
    make_steppe: Callable[..., Steppe], api_for: Callable[[Steppe], httpx.AsyncClient]
) -> None:
    app = make_steppe(stale_transaction_after=3, stale_check_interval=0.2)
    async with running(app), api_for(app) as api:
        await register(api, "OFF-2")
        await accept_tag(api)
        async with raw_station(app.ocpp_url, "OFF-2") as ws:
            start = {"connectorId": 1, "idTag": TAG, "meterStart": 0, "timestamp": ago(0)}
            silent = (await exchange(ws, frame("a", "StartTransaction", start)))[2]["transactionId"]
            start = {**start, "connectorId": 2, "meterStart": 100}
            talking = (await exchange(ws, frame("b", "StartTransaction", start)))[2][
                "transactionId"
            ]

            async def keep_talking() -> None:
                for n in range(1000):
                    values = [register_sample(ago(0), 100 + n)]
                    mv = {"connectorId": 2, "transactionId": talking, "meterValue": values}
                    assert (await exchange(ws, frame(f"mv{n}", "MeterValues", mv)))[0] == 3
                    await asyncio.sleep(0.3)

            talker = asyncio.create_task(keep_talking())
            try:
                closed = await wait_for(api, silent, lambda d: d["status"] != "active")
                # The one sending meter values is not stale.
                assert (await api.get(f"/api/v1/transactions/{talking}")).json()["status"] == (
                    "active"
                )
            finally:
                talker.cancel()
                await asyncio.gather(talker, return_exceptions=True)
            assert closed["closed_by"] == "server"
            assert closed["stop_reason"] == "StaleNoNews"
            assert closed["energy_wh"] is None and closed["stopped_at"] is not None

            # The charger comes back with the real end: it replaces the server's guess.
            stop = {
                "transactionId": silent,
                "meterStop": 7000,
                "timestamp": ago(0),
                "reason": "Local",
            }
            assert (await exchange(ws, frame("c", "StopTransaction", stop)))[0] == 3
        real = (await api.get(f"/api/v1/transactions/{silent}")).json()
        assert real["closed_by"] == "station"
        assert real["stop_reason"] == "Local"
        assert real["energy_wh"] == 7000
