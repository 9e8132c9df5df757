"""Registration as OCPP has it: a pending station may send what it was asked for and nothing
else; commands are checked against the registration; accepting a connected station makes it
boot again at once; every message keeps `last_seen_at`."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx
from ocpp.exceptions import SecurityError
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint as V16ChargePoint
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import Action as Action16
from ocpp.v201 import ChargePoint as V201ChargePoint
from ocpp.v201 import call, call_result
from ocpp.v201.enums import Action
from sqlalchemy import select

from steppe.app import Steppe, running
from steppe.storage.tables.core import stations
from tests.e2e.charger import connect_v16, connect_v201
from tests.e2e.v201_steps import at, boot

PASSWORD = "registration-passw0rd"


class ObedientStation(V201ChargePoint):
    """A 2.0.1 station that sends what it is asked for, right after answering."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.triggered: list[str] = []
        self.sent: list[Any] = []

    @on(Action.trigger_message)
    async def trigger(self, requested_message: str, **_: Any) -> call_result.TriggerMessage:
        self.triggered.append(requested_message)
        return call_result.TriggerMessage(status="Accepted")

    @after(Action.trigger_message)
    async def send_triggered(self, requested_message: str, **_: Any) -> None:
        if requested_message == "BootNotification":
            self.sent.append(await boot(self))
        elif requested_message == "StatusNotification":
            self.sent.append(await self.call(status(), suppress=False))

    @on(Action.get_base_report)
    async def base_report(self, request_id: int, **_: Any) -> call_result.GetBaseReport:
        return call_result.GetBaseReport(status="Accepted")

    @after(Action.get_base_report)
    async def send_report(self, request_id: int, **_: Any) -> None:
        report = call.NotifyReport(
            request_id=request_id,
            generated_at=at(0),
            seq_no=0,
            report_data=[
                {
                    "component": {"name": "SecurityCtrlr"},
                    "variable": {"name": "SecurityProfile"},
                    "variableAttribute": [{"value": "1"}],
                }
            ],
        )
        self.sent.append(await self.call(report, suppress=False))


class Pending16(V16ChargePoint):
    """A 1.6 charger that accepts configuration changes."""

    @on(Action16.change_configuration)
    async def change(self, key: str, value: str) -> result16.ChangeConfiguration:
        return result16.ChangeConfiguration(status="Accepted")


def status() -> call.StatusNotification:
    return call.StatusNotification(
        timestamp=at(0), connector_status="Available", evse_id=1, connector_id=1
    )


async def pending(api: httpx.AsyncClient, station_id: str) -> None:
    created = await api.post("/api/v1/stations", json={"id": station_id, "password": PASSWORD})
    assert created.status_code == 201, created.text
    changed = await api.patch(f"/api/v1/stations/{station_id}", json={"registration": "pending"})
    assert changed.status_code == 200 and changed.json()["registration"] == "pending"


async def test_a_pending_station_sends_only_what_it_was_asked_for(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Pending: its own StatusNotification is refused with SecurityError, the one a
    TriggerMessage asked for is taken, and so is the NotifyReport GetBaseReport asked for;
    accepting it sends TriggerMessage BootNotification, after which it is Accepted and may send
    anything."""
    await pending(api, "REG-2")
    async with connect_v201(steppe.ocpp_url, "REG-2", PASSWORD, cls=ObedientStation) as cp:
        assert (await boot(cp)).status == "Pending"
        try:
            await cp.call(status(), suppress=False)
            raise AssertionError("a pending station's own StatusNotification was taken")
        except SecurityError:
            pass
        trigger = await api.post(
            "/api/v1/stations/REG-2/commands/trigger-message",
            json={"message": "StatusNotification", "evse_id": 1},
        )
        assert trigger.status_code == 200, trigger.text
        report = await api.post(
            "/api/v1/stations/REG-2/commands/get-base-report", json={"report_base": "FullInventory"}
        )
        assert report.status_code == 200, report.text
        await until(lambda: len(cp.sent) == 2)
        model = (await api.get("/api/v1/stations/REG-2/device-model")).json()
        assert [v["variable"] for v in model["items"]] == ["SecurityProfile"]

        start = await api.post(
            "/api/v1/stations/REG-2/commands/remote-start", json={"id_token": "T", "evse_id": 1}
        )
        assert start.status_code == 409
        assert start.json()["error"]["code"] == "station_not_accepted"

        accepted = await api.post("/api/v1/stations/REG-2/accept")
        assert accepted.status_code == 200 and accepted.json()["registration"] == "accepted"
        await until(lambda: len(cp.sent) == 3)
        assert cp.triggered == ["StatusNotification", "BootNotification"]
        assert cp.sent[-1].status == "Accepted"
        await cp.call(status(), suppress=False)  # now anything goes
    audit = (await api.get("/api/v1/audit", params={"station_id": "REG-2"})).json()["items"]
    assert [(e["command"], e["outcome"]) for e in audit][:2] == [
        ("trigger-message", "answered"),
        ("remote-start", "refused"),
    ]


async def test_commands_follow_the_registration(steppe: Steppe, api: httpx.AsyncClient) -> None:
    """No RemoteStartTransaction to a pending 1.6 station (configuration still goes), and
    nothing at all to a rejected one."""
    await pending(api, "REG-3")
    async with connect_v16(steppe.ocpp_url, "REG-3", PASSWORD, cls=Pending16) as cp:
        booted = await cp.call(
            call16.BootNotification(charge_point_model="M", charge_point_vendor="V")
        )
        assert booted.status == "Pending"
        start = await api.post(
            "/api/v1/stations/REG-3/commands/remote-start",
            json={"id_token": "T", "connector_id": 1},
        )
        assert start.status_code == 409 and "pending" in start.json()["error"]["message"]
        configure = await api.post(
            "/api/v1/stations/REG-3/commands/set-configuration",
            json={"key": "MeterValueSampleInterval", "value": "60"},
        )
        assert configure.status_code == 200 and configure.json()["status"] == "Accepted"
        await api.patch("/api/v1/stations/REG-3", json={"registration": "rejected"})
        refused = await api.post(
            "/api/v1/stations/REG-3/commands/set-configuration",
            json={"key": "MeterValueSampleInterval", "value": "30"},
        )
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "station_not_accepted"


async def test_last_seen_follows_any_message_and_is_stored(make_steppe: Any, api_for: Any) -> None:
    """A heartbeat moves `last_seen_at` at once in the API and, a moment later, in storage."""
    async with running(make_steppe(last_seen_interval=0.2)) as app, api_for(app) as api:
        created = await api.post("/api/v1/stations", json={"id": "REG-4", "password": PASSWORD})
        assert created.json()["last_seen_at"] is None
        async with connect_v201(app.ocpp_url, "REG-4", PASSWORD) as cp:
            await boot(cp)
            first = (await api.get("/api/v1/stations/REG-4")).json()["last_seen_at"]
            assert first is not None
            await asyncio.sleep(0.05)
            await cp.call(call.Heartbeat())
            second = (await api.get("/api/v1/stations/REG-4")).json()["last_seen_at"]
            assert moment(second) > moment(first)

        async def stored() -> Any:
            async with app.db.connect() as conn:
                query = select(stations.c.last_seen_at).where(stations.c.id == "REG-4")
                return (await conn.execute(query)).scalar_one()

        expected = moment(second)
        for _ in range(150):  # the first write may hold the boot's time; the next, the heartbeat's
            found = await stored()
            if found == expected:
                break
            await asyncio.sleep(0.1)
        assert found == expected


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def until(condition: Any, timeout: float = 15.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")
