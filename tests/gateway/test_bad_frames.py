"""Every malformed frame gets the CALLERROR OCPP names; the connection and other stations carry on;
an oversized frame closes only its own connection, with 1009."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from steppe.app import Steppe
from tests.gateway.rawclient import exchange, heartbeat_works, raw_station, register

STATUS = '{"connectorId":1,"errorCode":"NoError","status":"Available"}'

# (frame, CALLERROR code, message id it must carry) for an OCPP 1.6 connection.
BATTERY_V16: list[tuple[str | bytes, str, str]] = [
    ("this is not json", "FormationViolation", "-1"),
    ('[2,"a","Heartbeat",{}] trailing', "FormationViolation", "-1"),
    (b"\x00\xff\xfe", "FormationViolation", "-1"),
    ('{"not": "an array"}', "FormationViolation", "-1"),
    ('"a string"', "FormationViolation", "-1"),
    ("[]", "FormationViolation", "-1"),
    ('[2,"m1","Heartbeat"]', "FormationViolation", "m1"),
    ('[2,"m2",17,{}]', "FormationViolation", "m2"),
    ('[2,"m3","Heartbeat",[]]', "FormationViolation", "m3"),
    ('[9,"m4","Heartbeat",{}]', "FormationViolation", "m4"),
    (f'[2,"{"x" * 37}","Heartbeat",{{}}]', "FormationViolation", "-1"),
    ('[2,"m5","Heartbeat",{"unexpected":1}]', "FormationViolation", "m5"),
    (
        '[2,"m6","StatusNotification",{"connectorId":"one","errorCode":"NoError","status":"Available"}]',
        "TypeConstraintViolation",
        "m6",
    ),
    (
        '[2,"m7","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Asleep"}]',
        "PropertyConstraintViolation",
        "m7",
    ),
    (
        '[2,"m8","BootNotification",{"chargePointVendor":"'
        + "v" * 21
        + '","chargePointModel":"M"}]',
        "PropertyConstraintViolation",
        "m8",
    ),
    (
        '[2,"m9","StatusNotification",{"connectorId":1,"status":"Available"}]',
        "OccurenceConstraintViolation",
        "m9",
    ),
    ('[2,"m10","MakeCoffee",{}]', "NotImplemented", "m10"),
    ('[2,"m11","GetConfiguration",{}]', "NotSupported", "m11"),
]


async def test_each_malformed_frame_gets_its_callerror_and_the_connection_stays_usable(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """The whole battery on one connection: the right code and id each time, a Heartbeat after
    each still answered, and a second station unaffected at the end."""
    await register(api, "CP-BAD", "CP-GOOD")
    async with (
        raw_station(steppe.ocpp_url, "CP-BAD") as bad,
        raw_station(steppe.ocpp_url, "CP-GOOD") as good,
    ):
        for number, (frame, code, message_id) in enumerate(BATTERY_V16):
            answer = await exchange(bad, frame)
            assert answer[:3] == [4, message_id, code], (frame, answer)
            assert isinstance(answer[3], str) and answer[3], "a CALLERROR says what is wrong"
            assert isinstance(answer[4], dict)
            assert await heartbeat_works(bad, f"hb-{number}")
        assert await heartbeat_works(good)
        assert steppe.registry.is_connected("CP-BAD")


async def test_answers_to_no_call_are_ignored_without_reply(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """A CALLRESULT or CALLERROR that answers nothing is dropped; the next call is answered."""
    await register(api, "CP-BAD")
    async with raw_station(steppe.ocpp_url, "CP-BAD") as ws:
        await ws.send('[3,"never-sent",{"status":"Accepted"}]')
        await ws.send('[4,"never-sent","GenericError","",{}]')
        await ws.send('[3,"broken"]')
        # The first thing back is the Heartbeat's answer: nothing was sent for the three frames.
        assert await heartbeat_works(ws)


async def test_oversized_frame_closes_only_its_connection_with_1009(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """A frame past max_frame_bytes closes that socket with 1009; another station keeps working."""
    await register(api, "CP-BIG", "CP-GOOD")
    limit = steppe.settings.max_frame_bytes
    async with (
        raw_station(steppe.ocpp_url, "CP-GOOD") as good,
        raw_station(steppe.ocpp_url, "CP-BIG", max_size=None) as big,
    ):
        padding = "x" * limit
        await big.send(f'[2,"big","DataTransfer",{{"vendorId":"V","data":"{padding}"}}]')
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(big.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
        assert await heartbeat_works(good)
    # ...and the station may come back at once.
    async with raw_station(steppe.ocpp_url, "CP-BIG") as again:
        assert await heartbeat_works(again)
