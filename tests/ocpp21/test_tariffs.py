"""Tariffs sent to a 2.1 station from Steppe's own, and the station's cost against our CDR."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from ocpp.routing import on
from ocpp.v21 import ChargePoint, call_result

from steppe.app import Steppe
from tests.ocpp21.charger import boot, charge, connect_v21, event, register, transaction
from tests.web.console import PASSWORD, browser, sign_in

TARIFF = {
    "id": "KZ-DC-21",
    "currency": "KZT",
    "tariff_alt_text": [{"language": "en", "text": "120 KZT/kWh, 60 KZT/h, 200 KZT a session"}],
    "elements": [
        {
            "price_components": [
                {"type": "ENERGY", "price": "120", "vat": "12", "step_size": 1},
                {"type": "TIME", "price": "60", "vat": "12", "step_size": 1},
                {"type": "FLAT", "price": "200", "vat": "12"},
            ]
        }
    ],
}


class TariffedStation(ChargePoint):
    """A station that keeps the tariffs it is given and prices a charge with them itself."""

    tariffs: dict[int, dict[str, Any]]

    @on("SetDefaultTariff")
    def on_default_tariff(self, evse_id: int, tariff: dict[str, Any], **_: Any) -> Any:
        self.tariffs = {**getattr(self, "tariffs", {}), evse_id: tariff}
        return call_result.SetDefaultTariff(status="Accepted")

    @on("GetTariffs")
    def on_get_tariffs(self, evse_id: int, **_: Any) -> Any:
        held = [
            {"tariffId": t["tariff_id"], "tariffKind": "DefaultTariff", "evseIds": [evse]}
            for evse, t in getattr(self, "tariffs", {}).items()
        ]
        return call_result.GetTariffs(status="Accepted", tariff_assignments=held)

    @on("ClearTariffs")
    def on_clear_tariffs(self, **_: Any) -> Any:
        cleared = [
            {"tariffId": t["tariff_id"], "status": "Accepted"} for t in self.tariffs.values()
        ]
        self.tariffs = {}
        return call_result.ClearTariffs(clear_tariffs_result=cleared)

    def cost(self, kwh: Decimal, minutes: Decimal) -> dict[str, Any]:
        """costDetails for a charge of `kwh` over `minutes`, by the tariff on EVSE 0."""
        tariff = self.tariffs[0]
        parts = {
            "energy": (tariff["energy"], "price_kwh", kwh),
            "chargingTime": (tariff["charging_time"], "price_minute", minutes),
            "fixed": (tariff["fixed_fee"], "price_fixed", Decimal(1)),
        }
        total_excl = total_incl = Decimal(0)
        for section, field, quantity in parts.values():
            excl = Decimal(str(section["prices"][0][field])) * quantity
            tax = sum(Decimal(str(rate["tax"])) for rate in section.get("tax_rates", []))
            total_excl += excl
            total_incl += excl * (1 + tax / 100)
        return {
            "totalCost": {
                "currency": tariff["currency"],
                "typeOfCost": "NormalCost",
                "total": {
                    "exclTax": float(round(total_excl, 2)),
                    "inclTax": float(round(total_incl, 2)),
                },
            },
            "totalUsage": {
                "energy": float(kwh * 1000),
                "chargingTime": int(minutes * 60),
                "idleTime": 0,
            },
        }


async def send(api: httpx.AsyncClient, station_id: str, command: str, body: Any) -> Any:
    answer = await api.post(f"/api/v1/stations/{station_id}/commands/{command}", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_default_tariff_reaches_the_station_and_its_cost_matches_the_cdr(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """SetDefaultTariff from our tariff; the station prices the charge itself: it matches."""
    await register(api, "CS-T21")
    assert (await api.post("/api/v1/tariffs", json=TARIFF)).status_code == 201
    await api.put("/api/v1/stations/CS-T21/tariff", json={"tariff_id": "KZ-DC-21"})
    async with connect_v21(steppe.ocpp_url, "CS-T21", cls=TariffedStation) as cp:
        await boot(cp)
        sent = await send(api, "CS-T21", "set-default-tariff", {"tariff_id": "KZ-DC-21"})
        assert sent["status"] == "Accepted" and sent["action"] == "SetDefaultTariff"
        held = cp.tariffs[0]
        assert held["tariff_id"] == "KZ-DC-21" and held["currency"] == "KZT"
        assert held["charging_time"]["prices"] == [{"price_minute": 1}]  # 60 KZT/h
        assert held["energy"]["tax_rates"] == [{"type": "VAT", "tax": 12}]
        listed = await send(api, "CS-T21", "get-tariffs", {})
        assert listed["response"]["tariffAssignments"][0]["tariffId"] == "KZ-DC-21"
        await charge(cp, "TX-T", 1000, 8500, cost_details=cp.cost(Decimal("7.5"), Decimal(30)))
        cleared = await send(api, "CS-T21", "clear-tariffs", {})
        assert cleared["response"]["clearTariffsResult"][0]["status"] == "Accepted"

    made = await api.post("/api/v1/cdrs", json={"transaction_id": "TX-T", "station_id": "CS-T21"})
    assert made.status_code in (200, 201), made.text
    assert made.json()["total_cost"] == {
        "currency": "KZT",
        "excl_vat": "1130.00",
        "incl_vat": "1265.60",
    }
    check = (await api.get("/api/v1/transactions/TX-T/station-cost?station_id=CS-T21")).json()
    assert check["verdict"] == "match" and Decimal(check["difference"]) == 0
    assert check["cdr_id"] == made.json()["id"] and check["incl_tax"] == "1265.6"


async def test_a_station_cost_apart_from_the_cdr_is_flagged(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """A station that bills less than our CDR says is listed as differing, with the gap."""
    await register(api, "CS-T22")
    await api.post("/api/v1/tariffs", json=TARIFF)
    await api.put("/api/v1/stations/CS-T22/tariff", json={"tariff_id": "KZ-DC-21"})
    async with connect_v21(steppe.ocpp_url, "CS-T22", cls=TariffedStation) as cp:
        await boot(cp)
        await send(api, "CS-T22", "set-default-tariff", {"tariff_id": "KZ-DC-21"})
        cost = cp.cost(Decimal("5.0"), Decimal(30))  # the station counted 2.5 kWh less
        await charge(cp, "TX-U", 1000, 8500, cost_details=cost)
    await api.post("/api/v1/cdrs", json={"transaction_id": "TX-U", "station_id": "CS-T22"})
    flagged = (await api.get("/api/v1/station-costs", params={"verdict": "differs"})).json()
    assert [(c["transaction_id"], c["difference"]) for c in flagged["items"]] == [
        ("TX-U", "-300.00")
    ]
    tx = await transaction(api, "TX-U", "CS-T22")
    assert tx["cost"]["excl_vat"] == "1130.00"
    await steppe.services.users.create("ops@steppe.kz", PASSWORD, "viewer")
    async with browser(steppe) as client:
        await sign_in(client, "ops@steppe.kz")
        page = (await client.get("/console/stations/CS-T22")).text
    assert "Station&#39;s own cost" in page and "830.0 KZT" in page and "differs (-300.00)" in page


async def test_only_the_ended_events_cost_is_the_stations_bill(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """A running cost in an Updated replayed after the Ended does not replace the final one."""
    await register(api, "CS-T23")
    await api.post("/api/v1/tariffs", json=TARIFF)
    async with connect_v21(steppe.ocpp_url, "CS-T23", cls=TariffedStation) as cp:
        await boot(cp)
        await send(api, "CS-T23", "set-default-tariff", {"tariff_id": "KZ-DC-21"})
        final = cp.cost(Decimal("7.5"), Decimal(30))
        await charge(cp, "TX-V", 1000, 8500, cost_details=final)
        running = cp.cost(Decimal("1.0"), Decimal(5))
        await cp.call(event("Updated", "TX-V", 2, 5, cost_details=running))
    check = (await api.get("/api/v1/transactions/TX-V/station-cost?station_id=CS-T23")).json()
    assert check["verdict"] == "pending" and check["excl_tax"] == "1130.0"
