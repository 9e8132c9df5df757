"""The load generator's chargers send exactly the frames the benchmark documents: a recording
server on loopback sees every byte of a closed loop and of a charging cycle."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from bench.fleet import Fleet, Plan
from websockets.asyncio.server import ServerConnection, serve

STAMP = re.compile(rb'"timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"')
T = b'"timestamp":"T"'
ANSWERS: dict[str, dict[str, Any]] = {
    "BootNotification": {
        "status": "Accepted",
        "currentTime": "2026-11-01T00:00:00Z",
        "interval": 300,
    },
    "StartTransaction": {"transactionId": 7, "idTagInfo": {"status": "Accepted"}},
}


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[str, list[bytes]]]:
    """A server that answers every CALL and keeps each frame received, timestamps masked."""
    frames: list[bytes] = []

    async def handler(ws: ServerConnection) -> None:
        assert ws.request is not None and ws.request.path == "/ocpp/REC-1"
        async for message in ws:
            raw = message.encode() if isinstance(message, str) else message
            frames.append(STAMP.sub(T, raw))
            call = orjson.loads(raw)
            await ws.send(orjson.dumps([3, call[1], ANSWERS.get(call[2], {})]).decode())

    async with serve(handler, "127.0.0.1", 0, subprotocols=["ocpp1.6"]) as server:  # type: ignore[list-item]
        port = server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}/ocpp", frames


def meter_values(message_id: int, energy_wh: int) -> bytes:
    return (
        b'[2,"%d","MeterValues",{"connectorId":1,"transactionId":7,"meterValue":[{%s,'
        b'"sampledValue":[{"value":"%d","context":"Sample.Periodic",'
        b'"measurand":"Energy.Active.Import.Register","unit":"Wh"}]}]}]'
    ) % (message_id, T, energy_wh)


def status(message_id: int, status: bytes) -> bytes:
    return (
        b'[2,"%d","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"%s",%s}]'
        % (message_id, status, T)
    )


BOOT = (
    b'[2,"1","BootNotification",'
    b'{"chargePointVendor":"Steppe-Bench","chargePointModel":"LoadGen-1"}]'
)


async def test_the_closed_loop_sends_the_documented_frames(
    recorder: tuple[str, list[bytes]],
) -> None:
    """Boot, Available, a start from 0 Wh, Charging, then MeterValues rising 10 Wh each."""
    url, frames = recorder
    fleet = Fleet(Plan(url=url, password="pw", id_tag="BENCHTAG01"), ["REC-1"], 1)
    await fleet.setup(time.time())
    now = time.time()
    await fleet.run(now, now + 0.3)
    await fleet.close()
    assert fleet.take_tally().errors == 0
    start = b'[2,"3","StartTransaction",{"connectorId":1,"idTag":"BENCHTAG01","meterStart":0,%s}]'
    assert frames[:4] == [BOOT, status(2, b"Available"), start % T, status(4, b"Charging")]
    readings = frames[4:]
    assert len(readings) > 5
    assert readings == [meter_values(5 + n, 10 * (n + 1)) for n in range(len(readings))]


async def test_a_charging_cycle_sends_the_documented_frames(
    recorder: tuple[str, list[bytes]],
) -> None:
    """The soak's cycle: Preparing, start, Charging, readings, a stop, Available, Heartbeat."""
    url, frames = recorder
    plan = Plan(
        url=url,
        password="pw",
        id_tag="BENCHTAG01",
        mode="cycle",
        meter_interval_s=0.01,
        meters_per_session=2,
        reconnect_chance=0.0,
    )
    fleet = Fleet(plan, ["REC-1"], 1)
    await fleet.setup(time.time())
    now = time.time()
    await fleet.run(now, now + 0.2)
    await fleet.close()
    assert fleet.take_tally().errors == 0
    stop = (
        b'[2,"8","StopTransaction",{"transactionId":7,"idTag":"BENCHTAG01","meterStop":20,%s,'
        b'"reason":"Local"}]'
    )
    start = b'[2,"4","StartTransaction",{"connectorId":1,"idTag":"BENCHTAG01","meterStart":0,%s}]'
    assert frames[:10] == [
        BOOT,
        status(2, b"Available"),
        status(3, b"Preparing"),
        start % T,
        status(5, b"Charging"),
        meter_values(6, 10),
        meter_values(7, 20),
        stop % T,
        status(9, b"Available"),
        b'[2,"10","Heartbeat",{}]',
    ]
