"""The vehicle catalogue and a station's compatibility, public: a driver's app needs no key."""

from __future__ import annotations

import math
from decimal import Decimal

import httpx

from steppe.app import Steppe
from steppe.domain.stations.models import Connector
from steppe.domain.vehicles.compatibility import estimate
from steppe.domain.vehicles.models import Catalogue

PASSWORD = "vehicle-test-password"
ENERGY_ONLY = {
    "id": "kz-energy",
    "currency": "KZT",
    "elements": [{"price_components": [{"type": "ENERGY", "price": "100"}]}],
}
CONNECTORS = {
    "connectors": [
        {"evse_id": 1, "standard": "GB/T DC", "format": "cable", "max_power_kw": "120"},
        {"evse_id": 2, "standard": "CCS2", "format": "cable", "max_power_kw": "150"},
        {
            "evse_id": 3,
            "standard": "GB/T AC",
            "format": "socket",
            "max_power_kw": "7",
            "power_type": "AC_1_PHASE",
        },
    ]
}


async def almaty_station(api: httpx.AsyncClient, station_id: str = "ALA-1") -> None:
    location = {"time_zone": "Asia/Almaty", "country": "KZ", "city": "Almaty"}
    body = {"id": station_id, "password": PASSWORD, "location": location}
    assert (await api.post("/api/v1/stations", json=body)).status_code == 201
    answer = await api.put(f"/api/v1/stations/{station_id}/connectors", json=CONNECTORS)
    assert answer.status_code == 200, answer.text
    assert (await api.post("/api/v1/tariffs", json=ENERGY_ONLY)).status_code == 201
    tariff = {"tariff_id": "kz-energy"}
    assert (await api.put(f"/api/v1/stations/{station_id}/tariff", json=tariff)).status_code == 200


async def test_anyone_can_read_the_catalogue(steppe: Steppe) -> None:
    """Without a key: every row with its inlets and source, filtered by make and market."""
    async with httpx.AsyncClient(base_url=steppe.http_url) as anonymous:
        everything = (await anonymous.get("/api/v1/vehicles")).json()["items"]
        assert len(everything) == len(Catalogue.load())
        chinese = (await anonymous.get("/api/v1/vehicles?make=leapmotor&variant=cn")).json()
        c10 = next(row for row in chinese["items"] if row["model"] == "C10")
        assert c10["inlets"] == ["GBT_AC", "GBT_DC"] and c10["source"]
        assert {row["variant"] for row in chinese["items"]} == {"CN"}
        one = await anonymous.get(f"/api/v1/vehicles/{c10['id']}")
        assert one.status_code == 200 and one.json()["battery_kwh"] == "69.9"
        missing = await anonymous.get("/api/v1/vehicles/no-such-car")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


async def test_a_chinese_c10_is_offered_only_gbt_with_time_and_price_in_tenge(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """GB/T DC and GB/T AC fit, CCS2 does not; 20 -> 80 % priced at 100 KZT/kWh plus 16 % VAT."""
    await almaty_station(api)
    async with httpx.AsyncClient(base_url=steppe.http_url) as anonymous:
        answer = await anonymous.get(
            "/api/v1/stations/ALA-1/compatibility", params={"vehicle_id": "leapmotor-c10-cn-2024"}
        )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [(c["evse_id"], c["standard"]) for c in body["usable"]] == [
        (1, "GBT_DC"),
        (3, "GBT_AC"),
    ]
    assert [(c["evse_id"], c["standard"]) for c in body["unusable"]] == [(2, "IEC_62196_T2_COMBO")]
    dc, ac = body["usable"]
    assert (Decimal(dc["max_kw"]), Decimal(ac["max_kw"])) == (Decimal(84), Decimal("6.6"))
    car = Catalogue.load().get("leapmotor-c10-cn-2024")
    gun = Connector(1, 1, standard="GBT_DC", power_type="DC", max_power_kw="120")
    expected = estimate(car, gun)
    assert Decimal(dc["energy_kwh"]) == round(expected.energy_kwh, 3)
    assert Decimal(dc["minutes"]) == round(Decimal(expected.duration.total_seconds()) / 60, 1)
    billed_wh = math.ceil(expected.energy_kwh * 1000)  # step_size 1: whole Wh, rounded up
    incl = (Decimal(billed_wh) / 1000 * 100 * Decimal("1.16")).quantize(Decimal("0.01"))
    assert dc["price"]["currency"] == "KZT" and Decimal(dc["price"]["incl_vat"]) == incl
    assert Decimal(ac["minutes"]) > Decimal(dc["minutes"]) * 4  # 6.6 kW against up to 84 kW


async def test_compatibility_refuses_what_it_cannot_answer(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Unknown car or station 404, a falling state of charge 422, a pending station unseen."""
    await almaty_station(api)
    base = "/api/v1/stations/ALA-1/compatibility"
    unknown_car = await api.get(base, params={"vehicle_id": "no-such-car"})
    assert unknown_car.status_code == 404
    unknown_station = await api.get(
        "/api/v1/stations/NOPE/compatibility", params={"vehicle_id": "leapmotor-c10-cn-2024"}
    )
    assert unknown_station.status_code == 404
    falling = await api.get(
        base, params={"vehicle_id": "leapmotor-c10-cn-2024", "start_soc": 80, "end_soc": 20}
    )
    assert falling.status_code == 422 and falling.json()["error"]["code"] == "invalid_input"
    await steppe.services.stations.update("ALA-1", {"registration": "pending"})
    hidden = await api.get(base, params={"vehicle_id": "leapmotor-c10-cn-2024"})
    assert hidden.status_code == 404
