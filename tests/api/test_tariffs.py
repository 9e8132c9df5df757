"""Tariffs over the API: CRUD, assignment, estimates, and a real charge that ends with a CDR."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from ocpp.v16 import call
from sqlalchemy import update

from steppe.app import Steppe
from steppe.storage.tables.tariffs import tariffs as tariffs_table
from tests.e2e.charger import connect_v16

PASSWORD = "tariff-test-password"
ALMATY_NEW_YEAR = datetime(2025, 12, 31, 18, 0, tzinfo=UTC)  # 23:00 in Almaty (UTC+5)

DAY_NIGHT: dict[str, Any] = {
    "id": "kz-day-night",
    "currency": "KZT",
    "type": "REGULAR",
    "tariff_alt_text": [{"language": "ru", "text": "День 90 тг/кВт·ч, ночь 60 тг/кВт·ч"}],
    "min_price": {"excl_vat": 200, "incl_vat": "232"},
    "elements": [
        {"price_components": [{"type": "FLAT", "price": "100", "step_size": 1}]},
        {
            "price_components": [{"type": "ENERGY", "price": 60, "step_size": 1}],
            "restrictions": {"start_time": "23:00", "end_time": "07:00"},
        },
        {"price_components": [{"type": "ENERGY", "price": "90.00", "step_size": 1}]},
        {
            "price_components": [{"type": "PARKING_TIME", "price": "600", "step_size": 300}],
        },
    ],
}


async def station(api: httpx.AsyncClient, station_id: str = "KZ-ALA-1") -> None:
    location = {"time_zone": "Asia/Almaty", "country": "KZ", "city": "Almaty"}
    response = await api.post(
        "/api/v1/stations", json={"id": station_id, "password": PASSWORD, "location": location}
    )
    assert response.status_code == 201, response.text


async def test_tariff_crud_keeps_decimals_exact(api: httpx.AsyncClient) -> None:
    """Create, read, list, replace and delete a tariff; numbers in come back as exact strings."""
    created = await api.post("/api/v1/tariffs", json=DAY_NIGHT)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["elements"][1]["price_components"][0]["price"] == "60"
    assert body["min_price"] == {"excl_vat": "200", "incl_vat": "232"}
    assert body["last_updated"] is not None
    assert (await api.post("/api/v1/tariffs", json=DAY_NIGHT)).status_code == 409

    again = (await api.get("/api/v1/tariffs/kz-day-night")).json()
    assert again["elements"] == body["elements"]
    assert again["tariff_alt_text"][0]["text"].startswith("День")
    page = (await api.get("/api/v1/tariffs")).json()
    assert [t["id"] for t in page["items"]] == ["kz-day-night"] and page["next"] is None

    cheaper = {**DAY_NIGHT, "min_price": None}
    cheaper["elements"] = [
        {"price_components": [{"type": "ENERGY", "price": "75.5", "vat": 16, "step_size": 100}]}
    ]
    replaced = await api.put("/api/v1/tariffs/kz-day-night", json=cheaper)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["elements"][0]["price_components"][0] == {
        "type": "ENERGY",
        "price": "75.5",
        "vat": "16",
        "step_size": 100,
    }
    assert (
        await api.put("/api/v1/tariffs/missing", json={**cheaper, "id": None})
    ).status_code == 404

    assert (await api.delete("/api/v1/tariffs/kz-day-night")).status_code == 204
    assert (await api.get("/api/v1/tariffs/kz-day-night")).status_code == 404


async def test_invalid_tariffs_are_refused_with_the_field(api: httpx.AsyncClient) -> None:
    """A bad value gets 422 naming the field; so does a rule that spans fields."""
    bad_time = {**DAY_NIGHT, "elements": [{**DAY_NIGHT["elements"][1]}]}
    bad_time["elements"][0] = {
        "price_components": [{"type": "ENERGY", "price": 60}],
        "restrictions": {"start_time": "24:00"},
    }
    response = await api.post("/api/v1/tariffs", json=bad_time)
    assert response.status_code == 422
    assert "elements.0.restrictions.start_time" in response.json()["error"]["message"]

    negative = {**DAY_NIGHT, "elements": [{"price_components": [{"type": "TIME", "price": -1}]}]}
    response = await api.post("/api/v1/tariffs", json=negative)
    assert response.status_code == 422
    assert "elements.0.price_components.0.price" in response.json()["error"]["message"]

    currency = await api.post("/api/v1/tariffs", json={**DAY_NIGHT, "currency": "XYZ"})
    assert currency.status_code == 422 and "currency" in currency.json()["error"]["message"]

    bounds = {**DAY_NIGHT, "max_price": {"excl_vat": "100"}}
    response = await api.post("/api/v1/tariffs", json=bounds)
    assert response.status_code == 422 and "max_price" in response.json()["error"]["message"]


async def test_estimate_across_the_vat_change(api: httpx.AsyncClient) -> None:
    """22:00-00:00 then 00:00-02:00 local: day and night energy, 12 % then 16 % VAT."""
    await station(api)
    assert (await api.post("/api/v1/tariffs", json=DAY_NIGHT)).status_code == 201
    response = await api.post(
        "/api/v1/tariffs/kz-day-night/estimate",
        json={
            "energy_kwh": "40",
            "duration_minutes": 240,
            "start": "2025-12-31T22:00:00+05:00",
            "station_id": "KZ-ALA-1",
        },
    )
    assert response.status_code == 200, response.text
    estimate = response.json()
    # 10 kWh day at 90 (12 %), 10 kWh night at 60 (12 %), 20 kWh night at 60 (16 %), FLAT 100.
    # excl: 900 + 600 + 1200 + 100 = 2800; incl: 1008 + 672 + 1392 + 112 = 3184
    assert estimate["total_cost"] == {
        "currency": "KZT",
        "excl_vat": "2800.00",
        "incl_vat": "3184.00",
    }
    assert estimate["time_zone"] == "Asia/Almaty" and estimate["country"] == "KZ"
    assert [p["start"] for p in estimate["periods"]][:3] == [
        "2025-12-31T17:00:00+00:00",
        "2025-12-31T18:00:00+00:00",
        "2025-12-31T19:00:00+00:00",
    ]
    small = await api.post(
        "/api/v1/tariffs/kz-day-night/estimate",
        json={"energy_kwh": 0.5, "duration_minutes": 5, "start": "2026-03-01T12:00:00Z"},
    )
    assert small.json()["total_cost"]["excl_vat"] == "200.00"
    assert small.json()["clamped_by"] == "min_price"
    missing = await api.post(
        "/api/v1/tariffs/nope/estimate", json={"energy_kwh": 1, "duration_minutes": 1}
    )
    assert missing.status_code == 404


async def test_station_and_evse_assignment_with_versions(api: httpx.AsyncClient) -> None:
    """An EVSE's own tariff wins over the station's; a new version takes over on its date."""
    await station(api)
    old = {**DAY_NIGHT, "id": "v1", "end_date_time": "2026-01-01T00:00:00+05:00"}
    new = {**DAY_NIGHT, "id": "v2", "start_date_time": "2026-01-01T00:00:00+05:00"}
    dc = {**DAY_NIGHT, "id": "dc"}
    for body in (old, new, dc):
        assert (await api.post("/api/v1/tariffs", json=body)).status_code == 201
    put = await api.put("/api/v1/stations/KZ-ALA-1/tariff", json={"tariff_ids": ["v2", "v1"]})
    assert put.status_code == 200, put.text
    assert put.json() == {"station_id": "KZ-ALA-1", "evse_id": None, "tariff_ids": ["v2", "v1"]}
    put = await api.put("/api/v1/stations/KZ-ALA-1/tariff", json={"tariff_id": "dc", "evse_id": 2})
    assert put.status_code == 200

    async def resolved(**params: Any) -> str | None:
        response = await api.get("/api/v1/stations/KZ-ALA-1/tariff", params=params)
        assert response.status_code == 200, response.text
        tariff = response.json()["tariff"]
        return None if tariff is None else str(tariff["id"])

    assert await resolved(at="2025-12-31T18:59:59Z") == "v1"
    assert await resolved(at="2025-12-31T19:00:00Z") == "v2"
    assert await resolved(at="2025-12-31T19:00:00Z", evse_id=1) == "v2"
    assert await resolved(at="2025-12-31T19:00:00Z", evse_id=2) == "dc"

    assert (await api.delete("/api/v1/tariffs/dc")).status_code == 409
    unknown = await api.put("/api/v1/stations/KZ-ALA-1/tariff", json={"tariff_id": "none"})
    assert unknown.status_code == 404
    nostation = await api.put("/api/v1/stations/NOPE/tariff", json={"tariff_id": "v1"})
    assert nostation.status_code == 404


async def meter(cp: Any, tx_id: int, at: datetime, wh: int) -> None:
    await cp.call(
        call.MeterValues(
            connector_id=1,
            transaction_id=tx_id,
            meter_value=[
                {
                    "timestamp": at.isoformat().replace("+00:00", "Z"),
                    "sampledValue": [
                        {
                            "value": str(wh),
                            "measurand": "Energy.Active.Import.Register",
                            "unit": "Wh",
                        }
                    ],
                }
            ],
        )
    )


async def charge(steppe: Steppe, station_id: str) -> int:
    """23:00-01:30 Almaty across the new year: 8 kWh, then 30 min parked with no energy."""
    async with connect_v16(steppe.ocpp_url, station_id, PASSWORD) as cp:
        await cp.call(call.BootNotification(charge_point_model="DC60", charge_point_vendor="T"))
        start = await cp.call(
            call.StartTransaction(
                connector_id=1,
                id_tag="TAG-KZ",
                meter_start=100_000,
                timestamp=ALMATY_NEW_YEAR.isoformat().replace("+00:00", "Z"),
            )
        )
        tx_id = int(start.transaction_id)
        await meter(cp, tx_id, ALMATY_NEW_YEAR + timedelta(minutes=60), 104_000)
        await meter(cp, tx_id, ALMATY_NEW_YEAR + timedelta(minutes=120), 108_000)
        stop = await cp.call(
            call.StopTransaction(
                meter_stop=108_000,
                timestamp=(ALMATY_NEW_YEAR + timedelta(minutes=150)).isoformat(),
                transaction_id=tx_id,
                reason="EVDisconnected",
                id_tag="TAG-KZ",
            )
        )
        assert stop.id_tag_info["status"] == "Accepted"
    return tx_id


async def priced(api: httpx.AsyncClient, station_id: str, within_s: float = 10.0) -> dict[str, Any]:
    """The station's one CDR, once the pricing worker has made it (it runs after the stop is
    answered)."""
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        items = (await api.get("/api/v1/cdrs", params={"station_id": station_id})).json()["items"]
        if items:
            [cdr] = items
            return cdr  # type: ignore[no-any-return]
        assert asyncio.get_running_loop().time() < deadline, "no CDR made"
        await asyncio.sleep(0.02)


async def test_a_real_charge_ends_with_a_cdr_and_a_cost(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """An OCPP 1.6 charge across midnight of 2026 in Almaty is billed from its meter samples."""
    await station(api)
    assert (
        await api.post("/api/v1/id-tokens", json={"id_token": "TAG-KZ", "status": "Accepted"})
    ).status_code == 201
    assert (await api.post("/api/v1/tariffs", json=DAY_NIGHT)).status_code == 201
    assert (
        await api.put("/api/v1/stations/KZ-ALA-1/tariff", json={"tariff_id": "kz-day-night"})
    ).status_code == 200

    tx_id = await charge(steppe, "KZ-ALA-1")
    cdr = await priced(api, "KZ-ALA-1")

    # 23:00-00:00: 4 kWh night at 60, 12 % VAT; 00:00-01:00: 4 kWh at 60, 16 %;
    # 01:00-01:30 parked: 30 min at 600/h, 16 %; FLAT 100 at 12 % (the start's date).
    # excl: 240 + 240 + 300 + 100 = 880; incl: 268.80 + 278.40 + 348 + 112 = 1007.20
    tx = (await api.get(f"/api/v1/transactions/{tx_id}")).json()
    assert tx["cost"] == {"currency": "KZT", "excl_vat": "880.00", "incl_vat": "1007.20"}
    listed = (await api.get("/api/v1/transactions", params={"station_id": "KZ-ALA-1"})).json()
    assert listed["items"][0]["cost"] == tx["cost"]

    assert cdr["transaction_id"] == str(tx_id) and cdr["total_energy_wh"] == 8000
    assert cdr["total_cost"] == tx["cost"]
    detail = (await api.get(f"/api/v1/cdrs/{cdr['id']}")).json()
    assert detail["tariff"]["id"] == "kz-day-night"
    dimensions = {d["type"]: d for d in detail["costing"]["dimensions"]}
    assert dimensions["PARKING_TIME"]["billed"] == "1800"
    assert dimensions["ENERGY"]["measured"] == "8000"
    vats = [
        c["vat"]
        for p in detail["costing"]["periods"]
        for c in p["charges"]
        if c["type"] == "ENERGY"
    ]
    assert vats == ["12", "16"]

    outside = await api.get("/api/v1/cdrs", params={"from": "2026-01-02T00:00:00Z"})
    assert outside.json()["items"] == []
    inside = await api.get(
        "/api/v1/cdrs", params={"from": "2025-12-31T00:00:00Z", "to": "2026-01-02T00:00:00Z"}
    )
    assert len(inside.json()["items"]) == 1


async def test_a_pricing_failure_never_fails_the_stop(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """A tariff that cannot be read leaves the CDR missing; it is made once the tariff is fixed."""
    await station(api)
    assert (
        await api.post("/api/v1/id-tokens", json={"id_token": "TAG-KZ", "status": "Accepted"})
    ).status_code == 201
    assert (await api.post("/api/v1/tariffs", json=DAY_NIGHT)).status_code == 201
    assert (
        await api.put("/api/v1/stations/KZ-ALA-1/tariff", json={"tariff_id": "kz-day-night"})
    ).status_code == 200
    async with steppe.db.begin() as conn:
        await conn.execute(update(tariffs_table).values(body="{not json"))

    tx_id = await charge(steppe, "KZ-ALA-1")  # asserts the stop was accepted

    tx = (await api.get(f"/api/v1/transactions/{tx_id}")).json()
    assert tx["status"] == "completed" and tx["cost"] is None
    assert (await api.get("/api/v1/cdrs")).json()["items"] == []

    assert (await api.put("/api/v1/tariffs/kz-day-night", json=DAY_NIGHT)).status_code == 200
    made = await api.post("/api/v1/cdrs", json={"transaction_id": str(tx_id)})
    assert made.status_code == 200, made.text
    assert made.json()["total_cost"]["incl_vat"] == "1007.20"
    again = await api.post("/api/v1/cdrs", json={"transaction_id": str(tx_id)})
    assert again.json()["id"] == made.json()["id"]
    tx = (await api.get(f"/api/v1/transactions/{tx_id}")).json()
    assert tx["cost"]["excl_vat"] == "880.00"


async def test_no_tariff_means_no_cost(steppe: Steppe, api: httpx.AsyncClient) -> None:
    """A station without a tariff charges for free: no CDR, cost null."""
    await station(api)
    assert (
        await api.post("/api/v1/id-tokens", json={"id_token": "TAG-KZ", "status": "Accepted"})
    ).status_code == 201
    tx_id = await charge(steppe, "KZ-ALA-1")
    assert (await api.get(f"/api/v1/transactions/{tx_id}")).json()["cost"] is None
    made = await api.post("/api/v1/cdrs", json={"transaction_id": str(tx_id)})
    assert made.status_code == 204


async def test_updates_carry_the_running_cost(steppe: Steppe, api: httpx.AsyncClient) -> None:
    """A listener on the event stream sees the cost so far with each meter value."""
    await station(api)
    assert (await api.post("/api/v1/tariffs", json=DAY_NIGHT)).status_code == 201
    assigned = await api.put("/api/v1/stations/KZ-ALA-1/tariff", json={"tariff_id": "kz-day-night"})
    assert assigned.status_code == 200
    bus = steppe.services.bus
    async with (
        bus.subscribe(lambda event: event.type == "transaction.updated") as subscription,
        connect_v16(steppe.ocpp_url, "KZ-ALA-1", PASSWORD) as cp,
    ):
        await cp.call(call.BootNotification(charge_point_model="DC60", charge_point_vendor="T"))
        start = await cp.call(
            call.StartTransaction(
                connector_id=1,
                id_tag="TAG-KZ",
                meter_start=100_000,
                timestamp=ALMATY_NEW_YEAR.isoformat().replace("+00:00", "Z"),
            )
        )
        await meter(cp, int(start.transaction_id), ALMATY_NEW_YEAR + timedelta(minutes=60), 104_000)
        event = subscription.queue.get_nowait()
    # FLAT 100 + 4 kWh at the night rate of 60, all before midnight: 12 % VAT.
    assert event.data["cost"] == {"currency": "KZT", "excl_vat": "340.00", "incl_vat": "380.80"}
