"""What stations report is kept as they reported it: a stop resent for a transaction Steppe
never numbered is one transaction, a corrected sample replaces the stored one without losing it,
and signed readings reach the transaction and the CDR untouched."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import orjson
import pytest
from ocpp.v201 import call as call201

from steppe.app import Steppe, running
from tests.api.test_tariffs import DAY_NIGHT
from tests.e2e.charger import connect_v201
from tests.e2e.v201_steps import at, boot, event, register, register_value, transaction
from tests.gateway.rawclient import PASSWORD as RAW_PASSWORD
from tests.gateway.rawclient import exchange, raw_station
from tests.gateway.rawclient import register as register_raw

TAG = "FAITH-TAG"
PASSWORD = "faithful-data-passw0rd"
OCMF_BEGIN = 'OCMF|{"FV":"1.0","GI":"ABL SBC-301","RD":[{"TM":"2026-11-02T08:00:00,000+0000 S","TX":"B","RV":1.000,"RI":"1-b:1.8.0","RU":"kWh"}]}|{"SA":"ECDSA-secp256r1-SHA256","SD":"3045"}'  # noqa: E501
OCMF_END = OCMF_BEGIN.replace('"TX":"B","RV":1.000', '"TX":"E","RV":4.000')


@pytest.fixture
async def steppe(database_url: str, make_steppe: Callable[..., Steppe]) -> AsyncIterator[Steppe]:
    """A running Steppe on each database: resends and corrections are decided in SQL."""
    async with running(make_steppe(database_url=database_url)) as app:
        yield app


def frame(message_id: str, action: str, payload: dict[str, Any]) -> str:
    return orjson.dumps([2, message_id, action, payload]).decode()


def energy(moment: str, wh: int, **extra: str) -> dict[str, Any]:
    sampled = {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
    return {"timestamp": moment, "sampledValue": [{**sampled, **extra}]}


async def transactions_of(api: httpx.AsyncClient, station_id: str) -> list[dict[str, Any]]:
    page = (await api.get("/api/v1/transactions", params={"station_id": station_id})).json()
    items: list[dict[str, Any]] = page["items"]
    return items


async def test_an_offline_stop_resent_after_a_reconnect_is_one_transaction(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """A 1.6 station stops a charge it ran offline (its own id 9001) and, its answer lost, sends
    the same stop again on a new connection: one completed transaction, named by the station's
    id, and a third stop with another end is a transaction of its own."""
    await register_raw(api, "FAITH-1")
    stop = {
        "transactionId": 9001,
        "meterStop": 4000,
        "timestamp": "2026-11-02T09:00:00Z",
        "reason": "Local",
        "transactionData": [
            energy("2026-11-02T08:00:00Z", 1000, context="Transaction.Begin"),
            energy("2026-11-02T09:00:00Z", 4000, context="Transaction.End"),
        ],
    }
    async with raw_station(steppe.ocpp_url, "FAITH-1") as ws:
        assert (await exchange(ws, frame("stop-1", "StopTransaction", stop)))[0] == 3
    async with raw_station(steppe.ocpp_url, "FAITH-1") as ws:
        for message_id in ("stop-1", "stop-2"):
            assert (await exchange(ws, frame(message_id, "StopTransaction", stop)))[0] == 3
    [tx] = await transactions_of(api, "FAITH-1")
    assert tx["status"] == "completed" and tx["offline"] is True
    assert tx["station_transaction_id"] == "9001"
    assert tx["energy_wh"] == 3000

    later = {**stop, "timestamp": "2026-11-02T11:00:00Z", "meterStop": 6000}
    async with raw_station(steppe.ocpp_url, "FAITH-1") as ws:
        assert (await exchange(ws, frame("stop-3", "StopTransaction", later)))[0] == 3
    assert len(await transactions_of(api, "FAITH-1")) == 2


async def test_a_sample_sent_again_with_another_value_corrects_the_stored_one(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """The same reading resent changes nothing; the same moment with another value replaces
    the value, keeps the old one beside it and counts the correction."""
    await register_raw(api, "FAITH-2")
    assert await api.post("/api/v1/id-tokens", json={"id_token": TAG, "status": "Accepted"})
    start = {
        "connectorId": 1,
        "idTag": TAG,
        "meterStart": 1000,
        "timestamp": "2026-11-02T08:00:00Z",
    }
    async with raw_station(steppe.ocpp_url, "FAITH-2") as ws:
        tx = (await exchange(ws, frame("s", "StartTransaction", start)))[2]["transactionId"]
        for message_id, wh in (("m1", 2000), ("m2", 2000), ("m3", 2400)):
            payload = {
                "connectorId": 1,
                "transactionId": tx,
                "meterValue": [energy("2026-11-02T08:10:00Z", wh)],
            }
            assert (await exchange(ws, frame(message_id, "MeterValues", payload)))[0] == 3
    detail = (await api.get(f"/api/v1/transactions/{tx}", params={"station_id": "FAITH-2"})).json()
    [sample] = detail["meter_values"]
    assert sample["value"] == "2400"
    assert sample["replaced_value"] == "2000" and sample["revisions"] == 1


async def test_a_201_correction_moves_the_energy(steppe: Steppe, api: httpx.AsyncClient) -> None:
    """An Updated event re-reporting a moment with another register value corrects the energy
    of the transaction; the idToken's type is kept on the transaction."""
    await register(api, "FAITH-3", PASSWORD, "TAG-201")
    token = {"idToken": "TAG-201", "type": "ISO14443"}
    async with connect_v201(steppe.ocpp_url, "FAITH-3", PASSWORD) as cp:
        await boot(cp)
        await cp.call(
            event(
                "Started",
                "TX-C",
                0,
                0,
                trigger="Authorized",
                id_token=token,
                evse={"id": 1, "connectorId": 1},
                meter=[register_value(0, 1000, "Transaction.Begin")],
            )
        )
        await cp.call(
            event("Updated", "TX-C", 1, 10, meter=[register_value(10, 5000, "Sample.Periodic")])
        )
        await cp.call(
            event("Updated", "TX-C", 2, 10, meter=[register_value(10, 4000, "Sample.Periodic")])
        )
        await cp.call(
            event(
                "Ended",
                "TX-C",
                3,
                10,
                trigger="EVDeparted",
                stoppedReason="EVDisconnected",
            )
        )
    done = await transaction(api, "TX-C", "FAITH-3")
    assert done["energy_wh"] == 3000
    assert done["id_token_type"] == "ISO14443"
    [_, corrected] = done["meter_values"]
    assert corrected["value"] == "4000" and corrected["replaced_value"] == "5000"


async def test_signed_readings_reach_the_transaction_and_the_cdr_as_sent(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """OCMF in a 1.6 stop's transaction data and a 2.0.1 signedMeterValue are stored as received
    and shown on the transaction; the CDR carries them as `signed_data`."""
    location = {"time_zone": "Asia/Almaty", "country": "KZ"}
    created = await api.post(
        "/api/v1/stations", json={"id": "FAITH-4", "password": RAW_PASSWORD, "location": location}
    )
    assert created.status_code == 201
    assert (await api.post("/api/v1/tariffs", json=DAY_NIGHT)).status_code == 201
    assigned = await api.put("/api/v1/stations/FAITH-4/tariff", json={"tariff_id": DAY_NIGHT["id"]})
    assert assigned.status_code == 200, assigned.text
    await api.post("/api/v1/id-tokens", json={"id_token": TAG, "status": "Accepted"})
    signed_begin = {"value": OCMF_BEGIN, "format": "SignedData", "context": "Transaction.Begin"}
    signed_end = {"value": OCMF_END, "format": "SignedData", "context": "Transaction.End"}
    start = {
        "connectorId": 1,
        "idTag": TAG,
        "meterStart": 1000,
        "timestamp": "2026-11-02T08:00:00Z",
    }
    async with raw_station(steppe.ocpp_url, "FAITH-4") as ws:
        tx = (await exchange(ws, frame("s", "StartTransaction", start)))[2]["transactionId"]
        stop = {
            "transactionId": tx,
            "meterStop": 4000,
            "timestamp": "2026-11-02T09:00:00Z",
            "transactionData": [
                {"timestamp": "2026-11-02T08:00:00Z", "sampledValue": [signed_begin]},
                {"timestamp": "2026-11-02T09:00:00Z", "sampledValue": [signed_end]},
            ],
        }
        assert (await exchange(ws, frame("x", "StopTransaction", stop)))[0] == 3
    detail = (await api.get(f"/api/v1/transactions/{tx}", params={"station_id": "FAITH-4"})).json()
    assert [v["data"] for v in detail["signed_meter_values"]] == [OCMF_BEGIN, OCMF_END]
    assert {v["format"] for v in detail["signed_meter_values"]} == {"OCMF"}
    cdr = await priced_cdr(api, "FAITH-4")
    values = cdr["signed_data"]["signed_values"]
    assert [(v["nature"], v["signed_data"]) for v in values] == [
        ("Start", OCMF_BEGIN),
        ("End", OCMF_END),
    ]

    await register(api, "FAITH-5", PASSWORD, "TAG-201")
    signed = {
        "signedMeterData": "b2NtZi1kYXRh",
        "signingMethod": "ECDSA-secp256r1-SHA256",
        "encodingMethod": "OCMF",
        "publicKey": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
    }
    async with connect_v201(steppe.ocpp_url, "FAITH-5", PASSWORD) as cp:
        await boot(cp)
        reading = {
            "value": 1000,
            "measurand": "Energy.Active.Import.Register",
            "context": "Transaction.Begin",
            "signedMeterValue": signed,
        }
        await cp.call(
            call201.TransactionEvent(
                event_type="Started",
                timestamp=at(0),
                trigger_reason="Authorized",
                seq_no=0,
                transaction_info={"transactionId": "TX-S"},
                evse={"id": 1, "connectorId": 1},
                meter_value=[{"timestamp": at(0), "sampledValue": [reading]}],
            )
        )
    stored = (await transaction(api, "TX-S", "FAITH-5"))["signed_meter_values"]
    assert stored == [
        {
            "timestamp": stored[0]["timestamp"],
            "format": "OCMF",
            "signing_method": "ECDSA-secp256r1-SHA256",
            "measurand": "Energy.Active.Import.Register",
            "context": "Transaction.Begin",
            "public_key": signed["publicKey"],
            "data": signed["signedMeterData"],
        }
    ]


async def priced_cdr(api: httpx.AsyncClient, station_id: str) -> dict[str, Any]:
    """The station's CDR, once the pricing worker made it."""
    import asyncio

    for _ in range(300):
        page = (await api.get("/api/v1/cdrs", params={"station_id": station_id})).json()
        if page["items"]:
            detail: dict[str, Any] = (
                await api.get(f"/api/v1/cdrs/{page['items'][0]['id']}")
            ).json()
            return detail
        await asyncio.sleep(0.1)
    raise AssertionError("no CDR made")
