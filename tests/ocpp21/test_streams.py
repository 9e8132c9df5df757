"""Periodic event streams from a 2.1 station: opened, fed by SEND frames, adjusted, closed."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import websockets
from ocpp.routing import on
from ocpp.v21 import ChargePoint, call, call_result

from steppe.app import Steppe
from tests.e2e.charger import basic_auth
from tests.ocpp21.charger import PASSWORD, boot, connect_v21, register
from tests.ocpp21.test_tariffs import send

STREAM = {"id": 3, "variableMonitoringId": 11, "params": {"interval": 5, "values": 10}}


def data(*values: str) -> str:
    points = [{"t": n, "v": v} for n, v in enumerate(values)]
    body = {"id": 3, "pending": 0, "basetime": "2026-11-02T08:00:00Z", "data": points}
    return orjson.dumps([6, "send-1", "NotifyPeriodicEventStream", body]).decode()


class StreamingStation(ChargePoint):
    @on("AdjustPeriodicEventStream")
    def on_adjust(self, id: int, params: dict[str, Any], **_: Any) -> Any:
        return call_result.AdjustPeriodicEventStream(status="Accepted")

    @on("GetPeriodicEventStream")
    def on_get(self, **_: Any) -> Any:
        return call_result.GetPeriodicEventStream(constant_stream_data=[STREAM])


async def test_a_stream_is_opened_fed_adjusted_and_closed(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Open, three values by SEND, adjust-periodic-event-stream, Close: all kept in the API."""
    await register(api, "CS-S21")
    async with connect_v21(steppe.ocpp_url, "CS-S21", cls=StreamingStation) as cp:
        await boot(cp)
        opened = await cp.call(call.OpenPeriodicEventStream(constant_stream_data=STREAM))
        assert opened.status == "Accepted"
        await cp._connection.send(data("7", "8", "9"))
        listed = await send(api, "CS-S21", "get-periodic-event-streams", {})
        assert listed["response"]["constantStreamData"] == [STREAM]
        adjusted = await send(
            api, "CS-S21", "adjust-periodic-event-stream", {"stream_id": 3, "interval": 60}
        )
        assert adjusted["status"] == "Accepted"
        await cp.call(call.ClosePeriodicEventStream(id=3))

    streams = (await api.get("/api/v1/stations/CS-S21/event-streams")).json()["items"]
    assert [(s["stream_id"], s["status"], s["interval_s"], s["data_points"]) for s in streams] == [
        (3, "closed", 60, 3)
    ]
    notices = await api.get("/api/v1/stations/CS-S21/notices?kind=NotifyPeriodicEventStream")
    assert [n["body"]["data"][2]["v"] for n in notices.json()["items"]] == ["9"]


async def test_a_send_is_never_answered(steppe: Steppe, api: httpx.AsyncClient) -> None:
    """After a SEND, the next frame the station gets answers its next call, not the SEND."""
    await register(api, "CS-R21")
    async with websockets.connect(
        f"{steppe.ocpp_url}/CS-R21",
        subprotocols=["ocpp2.1"],  # type: ignore[list-item]
        additional_headers=basic_auth("CS-R21", PASSWORD),
    ) as ws:
        boot_call = {"chargingStation": {"vendorName": "V", "model": "M"}, "reason": "PowerUp"}
        await ws.send(orjson.dumps([2, "b-1", "BootNotification", boot_call]).decode())
        assert orjson.loads(await ws.recv())[:2] == [3, "b-1"]
        await ws.send(data("1"))
        await ws.send(orjson.dumps([2, "h-1", "Heartbeat", {}]).decode())
        assert orjson.loads(await ws.recv())[:2] == [3, "h-1"]
