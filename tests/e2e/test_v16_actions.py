"""1.6 beyond the core: ExtendedTriggerMessage, the California Pricing messages that put the
price and the running cost on a 1.6 charger's display, and DataTransfer from a known vendor."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from ocpp.routing import on
from ocpp.v16 import ChargePoint as V16ChargePoint
from ocpp.v16 import call
from ocpp.v16 import call_result as result
from ocpp.v16.enums import Action

from steppe.app import running
from tests.api.test_tariffs import DAY_NIGHT, PASSWORD, station
from tests.e2e.charger import connect_v16

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


class Display16(V16ChargePoint):
    """A 1.6 charger that shows what the OCA cost messages say and answers triggers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shown: list[tuple[str, dict[str, Any]]] = []
        self.triggered: list[dict[str, Any]] = []

    @on(Action.data_transfer)
    async def data_transfer(self, vendor_id: str, **p: Any) -> result.DataTransfer:
        self.shown.append((p["message_id"], json.loads(p["data"])))
        return result.DataTransfer(status="Accepted")

    @on(Action.extended_trigger_message)
    async def extended_trigger(self, **p: Any) -> result.ExtendedTriggerMessage:
        self.triggered.append(p)
        return result.ExtendedTriggerMessage(status="Accepted")


def moment(minutes: float) -> str:
    return (START + timedelta(minutes=minutes)).isoformat()


async def test_a_16_charger_shows_the_running_and_final_cost(
    make_steppe: Any, api_for: Any
) -> None:
    """With California Pricing on, meter values of a priced charge are followed by RunningCost
    and the stop by FinalCost; ExtendedTriggerMessage reaches the charger; its own
    ConnectorUnplugged is accepted and stored."""
    async with running(make_steppe(california_pricing=True)) as app, api_for(app) as api:
        await station(api, "V16-COST")
        assert (await api.post("/api/v1/tariffs", json=DAY_NIGHT)).status_code == 201
        await api.put("/api/v1/stations/V16-COST/tariff", json={"tariff_id": DAY_NIGHT["id"]})
        await api.post("/api/v1/id-tokens", json={"id_token": "TAG-KZ", "status": "Accepted"})
        async with connect_v16(app.ocpp_url, "V16-COST", PASSWORD, cls=Display16) as cp:
            await cp.call(call.BootNotification(charge_point_model="M", charge_point_vendor="V"))
            started = await cp.call(
                call.StartTransaction(
                    connector_id=1, id_tag="TAG-KZ", meter_start=0, timestamp=moment(0)
                )
            )
            tx = started.transaction_id
            await cp.call(
                call.MeterValues(
                    connector_id=1,
                    transaction_id=tx,
                    meter_value=[
                        {
                            "timestamp": moment(30),
                            "sampledValue": [{"value": "10000", "unit": "Wh"}],
                        }
                    ],
                )
            )
            await until(lambda: len(cp.shown) == 1)
            message, running_cost = cp.shown[0]
            assert message == "RunningCost"
            assert running_cost["transactionId"] == tx and running_cost["meterValue"] == 10_000
            assert running_cost["cost"] > 0 and running_cost["state"] == "Charging"
            await cp.call(
                call.StopTransaction(transaction_id=tx, meter_stop=20_000, timestamp=moment(60))
            )
            await until(lambda: len(cp.shown) == 2)
            message, final = cp.shown[1]
            assert message == "FinalCost" and final["cost"] > running_cost["cost"]
            assert final["priceText"].endswith(" KZT")

            trigger = await api.post(
                "/api/v1/stations/V16-COST/commands/extended-trigger-message",
                json={"message": "SignChargePointCertificate"},
            )
            assert trigger.status_code == 200 and trigger.json()["status"] == "Accepted"
            assert cp.triggered == [{"requested_message": "SignChargePointCertificate"}]

            unplugged = await cp.call(
                call.DataTransfer(
                    vendor_id="org.openchargealliance.costmsg",
                    message_id="ConnectorUnplugged",
                    data=json.dumps({"transactionId": tx, "timestamp": moment(70)}),
                )
            )
            assert unplugged.status == "Accepted"
            other = await cp.call(
                call.DataTransfer(vendor_id="org.openchargealliance.costmsg", message_id="Nope")
            )
            assert other.status == "UnknownMessageId"
        audit = (await api.get("/api/v1/audit", params={"actor": "steppe:cost"})).json()["items"]
        assert [e["command"] for e in audit] == ["data-transfer", "data-transfer"]


async def until(condition: Any, timeout: float = 15.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")
