"""Dynamic schedules, priority charging, DER control, battery swaps, aFRR and allowed energy
transfer with a 2.1 station: sent, answered and kept (Steppe does not act on them yet)."""

from __future__ import annotations

from typing import Any

import httpx
from ocpp.routing import on
from ocpp.v21 import ChargePoint, call, call_result

from steppe.app import Steppe
from tests.ocpp21.charger import TAG, at, boot, connect_v21, event, register
from tests.ocpp21.test_tariffs import TARIFF, send

DISCHARGE = {"limitMaxDischarge": {"priority": 1, "pctMaxDischargePower": 50}}
HASH = {"hashAlgorithm": "SHA256", "issuerNameHash": "a", "issuerKeyHash": "b", "serialNumber": "1"}


class GridStation(ChargePoint):
    """Accepts every 2.1 grid command and remembers what it was told."""

    told: dict[str, Any]

    def _keep(self, action: str, value: Any) -> Any:
        self.told = {**getattr(self, "told", {}), action: value}
        return value

    @on("UpdateDynamicSchedule")
    def on_schedule(self, charging_profile_id: int, schedule_update: dict[str, Any]) -> Any:
        self._keep("UpdateDynamicSchedule", schedule_update)
        return call_result.UpdateDynamicSchedule(status="Accepted")

    @on("UsePriorityCharging")
    def on_priority(self, transaction_id: str, activate: bool) -> Any:
        self._keep("UsePriorityCharging", activate)
        return call_result.UsePriorityCharging(status="Accepted")

    @on("SetDERControl")
    def on_set_der(self, control_id: str, limit_max_discharge: Any = None, **_: Any) -> Any:
        self._keep("SetDERControl", limit_max_discharge)
        return call_result.SetDERControl(status="Accepted")

    @on("GetDERControl")
    def on_get_der(self, request_id: int, **_: Any) -> Any:
        self._keep("GetDERControl", request_id)
        return call_result.GetDERControl(status="Accepted")

    @on("ClearDERControl")
    def on_clear_der(self, is_default: bool, **_: Any) -> Any:
        return call_result.ClearDERControl(status="Accepted")

    @on("RequestBatterySwap")
    def on_swap(self, id_token: dict[str, Any], request_id: int) -> Any:
        self._keep("RequestBatterySwap", request_id)
        return call_result.RequestBatterySwap(status="Accepted")

    @on("AFRRSignal")
    def on_afrr(self, timestamp: str, signal: int) -> Any:
        self._keep("AFRRSignal", signal)
        return call_result.AFRRSignal(status="Accepted")

    @on("NotifyAllowedEnergyTransfer")
    def on_allowed(self, transaction_id: str, allowed_energy_transfer: list[str]) -> Any:
        self._keep("NotifyAllowedEnergyTransfer", allowed_energy_transfer)
        return call_result.NotifyAllowedEnergyTransfer(status="Accepted")

    @on("ChangeTransactionTariff")
    def on_change_tariff(self, transaction_id: str, tariff: dict[str, Any]) -> Any:
        self._keep("ChangeTransactionTariff", tariff["tariff_id"])
        return call_result.ChangeTransactionTariff(status="Accepted")


async def kinds(api: httpx.AsyncClient, station_id: str) -> list[str]:
    notices = (await api.get(f"/api/v1/stations/{station_id}/notices")).json()["items"]
    return sorted(n["kind"] for n in notices)


async def test_a_dynamic_schedule_sent_is_the_one_pulled(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """update-dynamic-schedule reaches the station; its PullDynamicScheduleUpdate gets it back."""
    await register(api, "CS-D21")
    async with connect_v21(steppe.ocpp_url, "CS-D21", cls=GridStation) as cp:
        await boot(cp)
        unknown = await cp.call(call.PullDynamicScheduleUpdate(charging_profile_id=9))
        assert unknown.status == "Rejected"
        body = {"charging_profile_id": 9, "schedule_update": {"limit": 11000, "setpoint": -3000}}
        await send(api, "CS-D21", "update-dynamic-schedule", body)
        assert cp.told["UpdateDynamicSchedule"] == {"limit": 11000, "setpoint": -3000}
        pulled = await cp.call(call.PullDynamicScheduleUpdate(charging_profile_id=9))
        assert pulled.status == "Accepted"
        assert pulled.schedule_update == {"limit": 11000, "setpoint": -3000}


async def test_priority_charging_and_tariff_change_during_a_transaction(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """use-priority-charging, NotifyPriorityCharging, change-transaction-tariff, allowed energy
    transfer: each reaches the station or is kept, filed under the transaction."""
    await register(api, "CS-Q21")
    await api.post("/api/v1/tariffs", json=TARIFF)
    async with connect_v21(steppe.ocpp_url, "CS-Q21", cls=GridStation) as cp:
        await boot(cp)
        await cp.call(event("Started", "TX-Q", 0, 0, id_token=TAG, evse={"id": 1}))
        await send(api, "CS-Q21", "use-priority-charging", {"transaction_id": "TX-Q"})
        await cp.call(call.NotifyPriorityCharging(transaction_id="TX-Q", activated=True))
        body = {"tariff_id": "KZ-DC-21", "transaction_id": "TX-Q"}
        await send(api, "CS-Q21", "change-transaction-tariff", body)
        allowed = {"transaction_id": "TX-Q", "allowed": ["DC", "DC_BPT"]}
        await send(api, "CS-Q21", "notify-allowed-energy-transfer", allowed)
        assert cp.told == {
            "UsePriorityCharging": True,
            "ChangeTransactionTariff": "KZ-DC-21",
            "NotifyAllowedEnergyTransfer": ["DC", "DC_BPT"],
        }
    notices = (await api.get("/api/v1/stations/CS-Q21/notices")).json()["items"]
    assert {n["transaction_id"] for n in notices} == {"TX-Q"}
    assert sorted(n["kind"] for n in notices) == [
        "NotifyPriorityCharging",
        "change-transaction-tariff",
        "notify-allowed-energy-transfer",
        "use-priority-charging",
    ]


async def test_der_control_and_its_reports_are_kept(steppe: Steppe, api: httpx.AsyncClient) -> None:
    """set/get/clear-der-control reach the station; its alarms, starts and reports are kept."""
    await register(api, "CS-G21")
    async with connect_v21(steppe.ocpp_url, "CS-G21", cls=GridStation) as cp:
        await boot(cp)
        der = {"control_id": "D-1", "control_type": "LimitMaxDischarge", "settings": DISCHARGE}
        await send(api, "CS-G21", "set-der-control", der)
        assert cp.told["SetDERControl"] == {"priority": 1, "pct_max_discharge_power": 50}
        got = await send(api, "CS-G21", "get-der-control", {"control_id": "D-1"})
        request_id = cp.told["GetDERControl"]
        assert got["status"] == "Accepted" and request_id > 0
        limit = {**DISCHARGE["limitMaxDischarge"]}
        held = [
            {"id": "D-1", "isDefault": False, "isSuperseded": False, "limitMaxDischarge": limit}
        ]
        await cp.call(call.ReportDERControl(request_id=request_id, limit_max_discharge=held))
        await cp.call(call.NotifyDERStartStop(control_id="D-1", started=True, timestamp=at(1)))
        alarm = call.NotifyDERAlarm(control_type="LimitMaxDischarge", timestamp=at(2))
        await cp.call(alarm)
        await send(api, "CS-G21", "clear-der-control", {"control_id": "D-1"})
        await send(api, "CS-G21", "afrr-signal", {"timestamp": at(3), "signal": -1})
        assert cp.told["AFRRSignal"] == -1
    assert await kinds(api, "CS-G21") == [
        "NotifyDERAlarm",
        "NotifyDERStartStop",
        "ReportDERControl",
        "afrr-signal",
        "clear-der-control",
        "get-der-control",
        "set-der-control",
    ]


async def test_battery_swaps_and_certificate_chains(steppe: Steppe, api: httpx.AsyncClient) -> None:
    """request-battery-swap reaches the station, its BatterySwap is kept; a certificate chain
    status is answered (Unknown: not fetched yet)."""
    await register(api, "CS-B21")
    async with connect_v21(steppe.ocpp_url, "CS-B21", cls=GridStation) as cp:
        await boot(cp)
        await send(api, "CS-B21", "request-battery-swap", {"id_token": "TAG-21"})
        request_id = cp.told["RequestBatterySwap"]
        battery = {"evseId": 1, "serialNumber": "B-7", "soC": 12.5, "soH": 97.0}
        await cp.call(
            call.BatterySwap(
                battery_data=[battery], event_type="BatteryIn", id_token=TAG, request_id=request_id
            )
        )
        chain = await cp.call(
            call.GetCertificateChainStatus(
                certificate_status_requests=[
                    {"certificateHashData": HASH, "source": "OCSP", "urls": ["http://ocsp.test"]}
                ]
            )
        )
        assert chain.certificate_status[0]["status"] == "Unknown"
    swaps = (await api.get("/api/v1/stations/CS-B21/notices?kind=BatterySwap")).json()["items"]
    assert swaps[0]["ref"] == str(request_id) and swaps[0]["body"]["batteryData"] == [battery]
