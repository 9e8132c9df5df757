"""Payments at a 2.1 station: settlements against the transaction and its CDR, VAT numbers,
web payments started from a QR code."""

from __future__ import annotations

from typing import Any

import httpx
from ocpp.routing import on
from ocpp.v21 import ChargePoint, call, call_result

from steppe.app import Steppe
from tests.ocpp21.charger import at, boot, charge, connect_v21, register
from tests.ocpp21.test_tariffs import TARIFF, send


class PayingStation(ChargePoint):
    shown: list[int]

    @on("NotifyWebPaymentStarted")
    def on_web_payment(self, evse_id: int, timeout: int, **_: Any) -> Any:
        self.shown = [evse_id, timeout]
        return call_result.NotifyWebPaymentStarted()


async def test_a_settlement_is_kept_against_the_transaction_and_its_cdr(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """NotifySettlement after a charge: shown on the transaction, the CDR and the station."""
    await register(api, "CS-P21")
    await api.post("/api/v1/tariffs", json=TARIFF)
    await api.put("/api/v1/stations/CS-P21/tariff", json={"tariff_id": "KZ-DC-21"})
    async with connect_v21(steppe.ocpp_url, "CS-P21") as cp:
        await boot(cp)
        await charge(cp, "TX-P", 0, 7500)
        await cp.call(
            call.NotifySettlement(
                transaction_id="TX-P",
                psp_ref="PSP-42",
                status="Settled",
                settlement_amount=1265.6,
                settlement_time=at(31),
                receipt_id="R-1",
                vat_number="KZ123456789",
            )
        )
    cdr = (
        await api.post("/api/v1/cdrs", json={"transaction_id": "TX-P", "station_id": "CS-P21"})
    ).json()
    by_cdr = (await api.get(f"/api/v1/cdrs/{cdr['id']}/settlements")).json()["items"]
    by_tx = (await api.get("/api/v1/transactions/TX-P/settlements?station_id=CS-P21")).json()
    assert by_cdr == by_tx["items"] and len(by_cdr) == 1
    assert by_cdr[0]["psp_ref"] == "PSP-42" and by_cdr[0]["amount"] == "1265.6"
    assert by_cdr[0]["status"] == "Settled" and by_cdr[0]["receipt_id"] == "R-1"
    station = (await api.get("/api/v1/stations/CS-P21/settlements")).json()["items"]
    assert [s["transaction_id"] for s in station] == ["TX-P"]


async def test_vat_numbers_are_answered_and_web_payments_announced(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """A plausible VAT number is Accepted, a garbled one Rejected; the QR payment reaches it."""
    await register(api, "CS-V21")
    async with connect_v21(steppe.ocpp_url, "CS-V21", cls=PayingStation) as cp:
        await boot(cp)
        good = await cp.call(call.VatNumberValidation(vat_number="DE 123456789", evse_id=1))
        bad = await cp.call(call.VatNumberValidation(vat_number="??"))
        assert (good.status, good.evse_id, bad.status) == ("Accepted", 1, "Rejected")
        await send(api, "CS-V21", "notify-web-payment-started", {"evse_id": 1, "timeout": 120})
        assert cp.shown == [1, 120]
    kinds = [n["kind"] for n in (await api.get("/api/v1/stations/CS-V21/notices")).json()["items"]]
    assert kinds == ["notify-web-payment-started", "VatNumberValidation", "VatNumberValidation"]
