"""The 2.0.1 actions beyond the core, each with an independent station: the running cost on
its display, what it reports stored, and every command it can be sent answered and kept."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from ocpp.routing import on
from ocpp.v201 import ChargePoint as V201ChargePoint
from ocpp.v201 import call
from ocpp.v201 import call_result as result
from ocpp.v201.enums import Action

from steppe.app import Steppe, running
from tests.api.test_tariffs import DAY_NIGHT
from tests.e2e.charger import connect_v201
from tests.e2e.v201_steps import at, boot, event, register_value

PASSWORD = "v201-actions-passw0rd"
TOKEN = {"idToken": "TAG-COST", "type": "ISO14443"}
COMPONENT = {"name": "EVSE", "evse": {"id": 1}}
VARIABLE = {"name": "Power"}


async def station(api: httpx.AsyncClient, station_id: str) -> None:
    location = {"time_zone": "Asia/Almaty", "country": "KZ"}
    created = await api.post(
        "/api/v1/stations", json={"id": station_id, "password": PASSWORD, "location": location}
    )
    assert created.status_code == 201, created.text


async def test_a_201_charger_shows_the_running_cost_and_the_total(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Each TransactionEvent with meter values is answered with the cost so far (totalCost and
    a line of text with the currency); the Ended one with the total."""
    await station(api, "ACT-COST")
    assert (await api.post("/api/v1/tariffs", json=DAY_NIGHT)).status_code == 201
    await api.put("/api/v1/stations/ACT-COST/tariff", json={"tariff_id": DAY_NIGHT["id"]})
    await api.post("/api/v1/id-tokens", json={"id_token": "TAG-COST", "status": "Accepted"})
    async with connect_v201(steppe.ocpp_url, "ACT-COST", PASSWORD) as cp:
        await boot(cp)
        started = await cp.call(
            event(
                "Started",
                "TX-COST",
                0,
                0,
                trigger="Authorized",
                id_token=TOKEN,
                evse={"id": 1, "connectorId": 1},
                meter=[register_value(0, 0, "Transaction.Begin")],
            )
        )
        assert started.id_token_info["status"] == "Accepted"
        updated = await cp.call(
            event(
                "Updated", "TX-COST", 1, 30, meter=[register_value(30, 10_000, "Sample.Periodic")]
            )
        )
        assert updated.total_cost > 0
        assert updated.updated_personal_message["content"].endswith(" KZT")
        ended = await cp.call(
            event(
                "Ended",
                "TX-COST",
                2,
                60,
                trigger="EVDeparted",
                stoppedReason="EVDisconnected",
                meter=[register_value(60, 20_000, "Transaction.End")],
            )
        )
        assert ended.total_cost > updated.total_cost
        assert ended.updated_personal_message["content"].startswith("Total: ")


async def test_what_a_201_station_reports_is_stored(make_steppe: Any, api_for: Any) -> None:
    """EV needs and schedules, charging limits, reported profiles, display messages, monitors,
    device events, customer information and vendor data transfers are kept as reported."""
    app = make_steppe(data_transfer_vendors=["com.example.parking"])
    async with running(app), api_for(app) as api:
        await station(api, "ACT-REP")
        async with connect_v201(app.ocpp_url, "ACT-REP", PASSWORD) as cp:
            await boot(cp)
            needs = await cp.call(
                call.NotifyEVChargingNeeds(
                    evse_id=1,
                    charging_needs={
                        "requestedEnergyTransfer": "DC",
                        "dcChargingParameters": {"evMaxCurrent": 200, "evMaxVoltage": 800},
                    },
                )
            )
            assert needs.status == "Accepted"
            schedule = await cp.call(
                call.NotifyEVChargingSchedule(
                    time_base=at(0),
                    evse_id=1,
                    charging_schedule={
                        "id": 1,
                        "chargingRateUnit": "W",
                        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 50000}],
                    },
                )
            )
            assert schedule.status == "Accepted"
            await cp.call(call.ClearedChargingLimit(charging_limit_source="EMS", evse_id=1))
            await cp.call(
                call.ReportChargingProfiles(
                    request_id=1,
                    charging_limit_source="EMS",
                    evse_id=1,
                    charging_profile=[
                        {
                            "id": 9,
                            "stackLevel": 1,
                            "chargingProfilePurpose": "ChargingStationExternalConstraints",
                            "chargingProfileKind": "Absolute",
                            "chargingSchedule": [
                                {
                                    "id": 1,
                                    "chargingRateUnit": "A",
                                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 32}],
                                }
                            ],
                        }
                    ],
                )
            )
            await cp.call(
                call.NotifyDisplayMessages(
                    request_id=2,
                    message_info=[
                        {
                            "id": 5,
                            "priority": "InFront",
                            "message": {"format": "UTF8", "content": "Қош келдіңіз"},
                        }
                    ],
                )
            )
            await cp.call(
                call.NotifyMonitoringReport(
                    request_id=3,
                    seq_no=0,
                    generated_at=at(0),
                    monitor=[
                        {
                            "component": COMPONENT,
                            "variable": VARIABLE,
                            "variableMonitoring": [
                                {
                                    "id": 41,
                                    "transaction": False,
                                    "value": 150000,
                                    "type": "UpperThreshold",
                                    "severity": 4,
                                }
                            ],
                        }
                    ],
                )
            )
            await cp.call(
                call.NotifyEvent(
                    generated_at=at(1),
                    seq_no=0,
                    event_data=[
                        {
                            "eventId": 7,
                            "timestamp": at(1),
                            "trigger": "Alerting",
                            "actualValue": "151000",
                            "techCode": "OVP",
                            "eventNotificationType": "CustomMonitor",
                            "variableMonitoringId": 41,
                            "component": COMPONENT,
                            "variable": VARIABLE,
                        }
                    ],
                )
            )
            for seq, part in ((0, "name=A. Driver;"), (1, "sessions=12")):
                await cp.call(
                    call.NotifyCustomerInformation(
                        data=part, seq_no=seq, generated_at=at(2), request_id=77, tbc=seq == 0
                    )
                )
            unknown = await cp.call(call.DataTransfer(vendor_id="com.example.unknown"))
            assert unknown.status == "UnknownVendorId"
            listed = await cp.call(
                call.DataTransfer(vendor_id="com.example.parking", message_id="Gate", data="open")
            )
            assert listed.status == "Accepted"

        base = "/api/v1/stations/ACT-REP"
        reports = (await api.get(f"{base}/charging-reports")).json()
        assert sorted(r["kind"] for r in reports) == ["ev-needs", "ev-schedule", "limit-cleared"]
        [profile] = (await api.get(f"{base}/charging-profiles")).json()
        assert (profile["profile_id"], profile["source"], profile["evse_id"]) == (9, "EMS", 1)
        [message] = (await api.get(f"{base}/display-messages")).json()
        assert message["content"] == "Қош келдіңіз" and message["source"] == "station"
        monitors = (await api.get(f"{base}/monitoring")).json()["monitors"]
        assert [(m["monitor_id"], m["type"], m["value"]) for m in monitors] == [
            (41, "UpperThreshold", "150000")
        ]
        [device_event] = (await api.get(f"{base}/device-events")).json()
        assert device_event["monitor_id"] == 41 and device_event["tech_code"] == "OVP"
        parts = (await api.get(f"{base}/customer-information", params={"request_id": 77})).json()
        assert "".join(p["data"] for p in parts) == "name=A. Driver;sessions=12"
        transfers = (await api.get(f"{base}/data-transfers")).json()
        assert [(t["vendor_id"], t["status"]) for t in transfers] == [
            ("com.example.parking", "Accepted"),
            ("com.example.unknown", "UnknownVendorId"),
        ]


class Obliging201(V201ChargePoint):
    """Accepts every command of blocks B, C, E, I, K, L, N and O, and remembers each payload."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.got: dict[str, dict[str, Any]] = {}

    def _keep(self, action: str, payload: dict[str, Any]) -> None:
        self.got[action] = payload

    @on(Action.get_report)
    async def get_report(self, **p: Any) -> result.GetReport:
        self._keep("GetReport", p)
        return result.GetReport(status="Accepted")

    @on(Action.set_network_profile)
    async def set_network_profile(self, **p: Any) -> result.SetNetworkProfile:
        self._keep("SetNetworkProfile", p)
        return result.SetNetworkProfile(status="Accepted")

    @on(Action.get_transaction_status)
    async def get_transaction_status(self, **p: Any) -> result.GetTransactionStatus:
        self._keep("GetTransactionStatus", p)
        return result.GetTransactionStatus(messages_in_queue=False, ongoing_indicator=True)

    @on(Action.cost_updated)
    async def cost_updated(self, **p: Any) -> result.CostUpdated:
        self._keep("CostUpdated", p)
        return result.CostUpdated()

    @on(Action.set_display_message)
    async def set_display_message(self, **p: Any) -> result.SetDisplayMessage:
        self._keep("SetDisplayMessage", p)
        return result.SetDisplayMessage(status="Accepted")

    @on(Action.get_display_messages)
    async def get_display_messages(self, **p: Any) -> result.GetDisplayMessages:
        self._keep("GetDisplayMessages", p)
        return result.GetDisplayMessages(status="Unknown")

    @on(Action.clear_display_message)
    async def clear_display_message(self, **p: Any) -> result.ClearDisplayMessage:
        self._keep("ClearDisplayMessage", p)
        return result.ClearDisplayMessage(status="Accepted")

    @on(Action.set_variable_monitoring)
    async def set_variable_monitoring(self, **p: Any) -> result.SetVariableMonitoring:
        self._keep("SetVariableMonitoring", p)
        answers = [
            {
                "id": 100 + n,
                "status": "Accepted",
                "type": m["type"],
                "severity": m["severity"],
                "component": m["component"],
                "variable": m["variable"],
            }
            for n, m in enumerate(p["set_monitoring_data"])
        ]
        return result.SetVariableMonitoring(set_monitoring_result=answers)

    @on(Action.set_monitoring_base)
    async def set_monitoring_base(self, **p: Any) -> result.SetMonitoringBase:
        self._keep("SetMonitoringBase", p)
        return result.SetMonitoringBase(status="Accepted")

    @on(Action.set_monitoring_level)
    async def set_monitoring_level(self, **p: Any) -> result.SetMonitoringLevel:
        self._keep("SetMonitoringLevel", p)
        return result.SetMonitoringLevel(status="Accepted")

    @on(Action.clear_variable_monitoring)
    async def clear_variable_monitoring(self, **p: Any) -> result.ClearVariableMonitoring:
        self._keep("ClearVariableMonitoring", p)
        return result.ClearVariableMonitoring(
            clear_monitoring_result=[{"id": i, "status": "Accepted"} for i in p["id"]]
        )

    @on(Action.get_monitoring_report)
    async def get_monitoring_report(self, **p: Any) -> result.GetMonitoringReport:
        self._keep("GetMonitoringReport", p)
        return result.GetMonitoringReport(status="Accepted")

    @on(Action.customer_information)
    async def customer_information(self, **p: Any) -> result.CustomerInformation:
        self._keep("CustomerInformation", p)
        return result.CustomerInformation(status="Accepted")

    @on(Action.publish_firmware)
    async def publish_firmware(self, **p: Any) -> result.PublishFirmware:
        self._keep("PublishFirmware", p)
        return result.PublishFirmware(status="Accepted")

    @on(Action.unpublish_firmware)
    async def unpublish_firmware(self, **p: Any) -> result.UnpublishFirmware:
        self._keep("UnpublishFirmware", p)
        return result.UnpublishFirmware(status="Unpublished")

    @on(Action.get_charging_profiles)
    async def get_charging_profiles(self, **p: Any) -> result.GetChargingProfiles:
        self._keep("GetChargingProfiles", p)
        return result.GetChargingProfiles(status="NoProfiles")

    @on(Action.set_charging_profile)
    async def set_charging_profile(self, **p: Any) -> result.SetChargingProfile:
        self._keep("SetChargingProfile", p)
        return result.SetChargingProfile(status="Accepted")

    @on(Action.clear_charging_profile)
    async def clear_charging_profile(self, **p: Any) -> result.ClearChargingProfile:
        self._keep("ClearChargingProfile", p)
        return result.ClearChargingProfile(status="Accepted")


PROFILE = {
    "id": 3,
    "stackLevel": 0,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Absolute",
    "chargingSchedule": [
        {
            "id": 1,
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}],
        }
    ],
}
COMMANDS: list[tuple[str, dict[str, Any], str]] = [
    ("get-report", {"component_criteria": ["Problem"]}, "GetReport"),
    (
        "set-network-profile",
        {
            "configuration_slot": 2,
            "connection_data": {
                "ocppVersion": "OCPP20",
                "ocppTransport": "JSON",
                "ocppCsmsUrl": "wss://csms.example.net/ocpp",
                "messageTimeout": 30,
                "securityProfile": 2,
                "ocppInterface": "Wired0",
            },
        },
        "SetNetworkProfile",
    ),
    ("get-transaction-status", {"transaction_id": "TX-9"}, "GetTransactionStatus"),
    ("cost-updated", {"transaction_id": "TX-9", "total_cost": "1250.50"}, "CostUpdated"),
    (
        "set-display-message",
        {"message": {"id": 12, "content": "Добро пожаловать", "priority": "AlwaysFront"}},
        "SetDisplayMessage",
    ),
    ("get-display-messages", {}, "GetDisplayMessages"),
    (
        "set-variable-monitoring",
        {
            "monitors": [
                {
                    "value": 95,
                    "type": "UpperThreshold",
                    "severity": 3,
                    "component": COMPONENT,
                    "variable": {"name": "Temperature"},
                }
            ]
        },
        "SetVariableMonitoring",
    ),
    ("set-monitoring-base", {"base": "FactoryDefault"}, "SetMonitoringBase"),
    ("set-monitoring-level", {"severity": 5}, "SetMonitoringLevel"),
    ("get-monitoring-report", {"criteria": ["ThresholdMonitoring"]}, "GetMonitoringReport"),
    ("customer-information", {"report": True, "customer_identifier": "C-1"}, "CustomerInformation"),
    (
        "publish-firmware",
        {"location": "https://fw.example.net/v3.bin", "checksum": "0" * 32},
        "PublishFirmware",
    ),
    ("unpublish-firmware", {"checksum": "0" * 32}, "UnpublishFirmware"),
    ("get-charging-profiles", {"evse_id": 1, "sources": ["EMS"]}, "GetChargingProfiles"),
    ("set-charging-profile", {"evse_id": 1, "profile": PROFILE}, "SetChargingProfile"),
]


async def test_every_201_command_is_answered_audited_and_kept(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Each command reaches the station with its payload, is answered, and what it sets is
    kept: display messages, monitors, monitoring settings, profiles, a publication job."""
    await station(api, "ACT-CMD")
    async with connect_v201(steppe.ocpp_url, "ACT-CMD", PASSWORD, cls=Obliging201) as cp:
        await boot(cp)
        for command, body, action in COMMANDS:
            answer = await api.post(f"/api/v1/stations/ACT-CMD/commands/{command}", json=body)
            assert answer.status_code == 200, (command, answer.text)
            assert answer.json()["action"] == action
            assert action in cp.got, action
        assert cp.got["CostUpdated"] == {"total_cost": 1250.5, "transaction_id": "TX-9"}
        base = "/api/v1/stations/ACT-CMD"
        [shown] = (await api.get(f"{base}/display-messages")).json()
        assert (shown["message_id"], shown["source"]) == (12, "csms")
        monitoring = (await api.get(f"{base}/monitoring")).json()
        assert (monitoring["base"], monitoring["level"]) == ("FactoryDefault", 5)
        assert [(m["monitor_id"], m["value"]) for m in monitoring["monitors"]] == [(100, "95")]
        [profile] = (await api.get(f"{base}/charging-profiles")).json()
        assert (profile["profile_id"], profile["source"]) == (3, "csms")
        [publication] = (await api.get(f"{base}/jobs", params={"kind": "publish"})).json()
        assert publication["status"] == "accepted"

        cleared = await api.post(f"{base}/commands/clear-display-message", json={"id": 12})
        assert cleared.json()["status"] == "Accepted"
        assert (await api.get(f"{base}/display-messages")).json() == []
        await api.post(f"{base}/commands/clear-variable-monitoring", json={"ids": [100]})
        assert (await api.get(f"{base}/monitoring")).json()["monitors"] == []
        await api.post(f"{base}/commands/clear-charging-profile", json={"profile_id": 3})
        assert (await api.get(f"{base}/charging-profiles")).json() == []
        await asyncio.sleep(0)


class Reconnecting201(V201ChargePoint):
    """Says TX-OVER ended while the answer was lost, and TX-ON still runs."""

    @on(Action.get_transaction_status)
    async def get_transaction_status(
        self, transaction_id: str, **_: Any
    ) -> result.GetTransactionStatus:
        return result.GetTransactionStatus(
            messages_in_queue=False, ongoing_indicator=transaction_id == "TX-ON"
        )


async def test_open_transactions_are_asked_about_when_a_station_comes_back(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """A 2.0.1 station boots again with two transactions open in Steppe: the one it says is
    over with nothing queued is closed by the server (EndedUnreported), the other stays."""
    await station(api, "ACT-BACK")
    async with connect_v201(steppe.ocpp_url, "ACT-BACK", PASSWORD, cls=Reconnecting201) as cp:
        await boot(cp)
        for n, tx in enumerate(("TX-OVER", "TX-ON")):
            await cp.call(
                event(
                    "Started",
                    tx,
                    0,
                    n,
                    trigger="CablePluggedIn",
                    evse={"id": n + 1, "connectorId": 1},
                    meter=[register_value(n, 1000, "Transaction.Begin")],
                )
            )
    async with connect_v201(steppe.ocpp_url, "ACT-BACK", PASSWORD, cls=Reconnecting201) as cp:
        await boot(cp)
        for _ in range(150):
            over = (
                await api.get("/api/v1/transactions/TX-OVER", params={"station_id": "ACT-BACK"})
            ).json()
            if over["status"] == "completed":
                break
            await asyncio.sleep(0.1)
    assert over["status"] == "completed" and over["stop_reason"] == "EndedUnreported"
    assert over["closed_by"] == "server"
    still = (await api.get("/api/v1/transactions/TX-ON", params={"station_id": "ACT-BACK"})).json()
    assert still["status"] == "active"
