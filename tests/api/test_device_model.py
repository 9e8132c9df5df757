"""The device model a 2.0.1 station reports is stored per component and variable, and readable."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
from ocpp.routing import after, on
from ocpp.v201 import ChargePoint as V201ChargePoint
from ocpp.v201 import call, call_result
from ocpp.v201.enums import Action

from steppe.app import Steppe, running
from tests.e2e.charger import connect_v201
from tests.e2e.v201_steps import at, boot, register

PASSWORD = "s3cret-passw0rd-dm"


def item(component: dict[str, Any], variable: str, *attributes: dict[str, Any], **ch: Any) -> Any:
    report: dict[str, Any] = {
        "component": component,
        "variable": {"name": variable},
        "variableAttribute": list(attributes),
    }
    if ch:
        report["variableCharacteristics"] = {"supportsMonitoring": False, **ch}
    return report


REPORT_1 = [
    item(
        {"name": "OCPPCommCtrlr"},
        "HeartbeatInterval",
        {"type": "Actual", "value": "300", "mutability": "ReadWrite"},
        dataType="integer",
        unit="s",
    ),
    item(
        {"name": "EVSE", "evse": {"id": 1}},
        "Power",
        {"type": "Actual", "value": "0", "mutability": "ReadOnly"},
        {"type": "MaxSet", "value": "60000", "mutability": "ReadOnly"},
        dataType="decimal",
        unit="W",
    ),
]
REPORT_2 = [
    item(
        {"name": "Connector", "evse": {"id": 1, "connectorId": 1}},
        "ConnectorType",
        {"value": "cCCS2", "mutability": "ReadOnly"},
        dataType="string",
    ),
    # A later report of the same variable replaces the stored value.
    item(
        {"name": "OCPPCommCtrlr"},
        "HeartbeatInterval",
        {"type": "Actual", "value": "120", "mutability": "ReadWrite"},
        dataType="integer",
        unit="s",
    ),
]


async def test_notify_report_is_stored_and_readable(
    database_url: str,
    make_steppe: Callable[..., Steppe],
    api_for: Callable[[Steppe], httpx.AsyncClient],
) -> None:
    """Two NotifyReport parts and an event land in the device model; filters and pages work."""
    async with running(make_steppe(database_url=database_url)) as app, api_for(app) as api:
        await register(api, "DM-1", PASSWORD, "TAG-DM")
        async with connect_v201(app.ocpp_url, "DM-1", PASSWORD) as cp:
            await boot(cp)
            for seq, part in enumerate((REPORT_1, REPORT_2)):
                await cp.call(
                    call.NotifyReport(
                        request_id=7,
                        generated_at=at(0),
                        seq_no=seq,
                        report_data=part,
                        tbc=seq == 0,
                    )
                )
            await cp.call(
                call.NotifyEvent(
                    generated_at=at(1),
                    seq_no=0,
                    event_data=[
                        {
                            "eventId": 1,
                            "timestamp": at(1),
                            "trigger": "Delta",
                            "actualValue": "42000",
                            "eventNotificationType": "HardWiredNotification",
                            "component": {"name": "EVSE", "evse": {"id": 1}},
                            "variable": {"name": "Power"},
                        }
                    ],
                )
            )

        everything = (await api.get("/api/v1/stations/DM-1/device-model")).json()
        rows = {
            (r["component"], r["evse_id"], r["connector_id"], r["variable"], r["attribute_type"]): r
            for r in everything["items"]
        }
        assert len(everything["items"]) == 4 and everything["next"] is None
        heartbeat = rows[("OCPPCommCtrlr", None, None, "HeartbeatInterval", "Actual")]
        assert heartbeat["value"] == "120" and heartbeat["unit"] == "s"
        assert heartbeat["data_type"] == "integer" and heartbeat["mutability"] == "ReadWrite"
        power = rows[("EVSE", 1, None, "Power", "Actual")]
        assert power["value"] == "42000"  # from NotifyEvent
        assert power["mutability"] == "ReadOnly" and power["unit"] == "W"  # kept from the report
        assert rows[("EVSE", 1, None, "Power", "MaxSet")]["value"] == "60000"
        assert rows[("Connector", 1, 1, "ConnectorType", "Actual")]["value"] == "cCCS2"

        evse = (
            await api.get("/api/v1/stations/DM-1/device-model", params={"component": "EVSE"})
        ).json()
        assert {r["attribute_type"] for r in evse["items"]} == {"Actual", "MaxSet"}
        by_variable = (
            await api.get(
                "/api/v1/stations/DM-1/device-model", params={"variable": "ConnectorType"}
            )
        ).json()
        assert [r["component"] for r in by_variable["items"]] == ["Connector"]

        seen: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": 3}
        while True:
            page = (await api.get("/api/v1/stations/DM-1/device-model", params=params)).json()
            seen += page["items"]
            if page["next"] is None:
                break
            params["cursor"] = page["next"]
        assert len(seen) == 4 and len({str(r) for r in seen}) == 4

        missing = await api.get("/api/v1/stations/NOPE/device-model")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"]


class ReportingCharger(V201ChargePoint):
    """Answers GetBaseReport, then sends its inventory as NotifyReport with the same request id."""

    asked: tuple[int, str] = (0, "")

    @on(Action.get_base_report)
    async def get_base_report(self, request_id: int, report_base: str) -> Any:
        self.asked = (request_id, report_base)
        return call_result.GetBaseReport(status="Accepted")

    @after(Action.get_base_report)
    async def send_report(self, request_id: int, report_base: str) -> None:
        await self.call(
            call.NotifyReport(
                request_id=request_id, generated_at=at(0), seq_no=0, report_data=REPORT_1
            )
        )


async def test_get_base_report_fills_the_device_model(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """The operator asks for a base report; the station's NotifyReport lands in the device model."""
    await register(api, "CS-REPORT", PASSWORD, "TAG-REPORT")
    async with connect_v201(steppe.ocpp_url, "CS-REPORT", PASSWORD, cls=ReportingCharger) as cp:
        await boot(cp)
        answer = await api.post(
            "/api/v1/stations/CS-REPORT/commands/get-base-report",
            json={"report_base": "FullInventory"},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "Accepted"
        assert cp.asked[0] > 0 and cp.asked[1] == "FullInventory"
        for _ in range(50):
            model = (await api.get("/api/v1/stations/CS-REPORT/device-model")).json()
            if model["items"]:
                break
            await asyncio.sleep(0.05)
        names = {row["variable"] for row in model["items"]}
        assert {"HeartbeatInterval", "Power"} <= names
