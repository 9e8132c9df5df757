"""Operator commands reach real chargers through the API, with every one audited."""

from __future__ import annotations

import asyncio

import httpx
import websockets
from ocpp.v16 import call

from steppe.app import Steppe
from tests.api.commands_helpers import PASSWORD, RecordingV16, connect_recording_v201, register
from tests.e2e.charger import basic_auth, connect_v16
from tests.e2e.v201_steps import boot as boot_v201

START = "/api/v1/stations/{}/commands/remote-start"
BOOT = call.BootNotification(charge_point_model="M", charge_point_vendor="V")
RAW_BOOT = '[2,"b1","BootNotification",{"chargePointVendor":"V","chargePointModel":"Mute"}]'


async def test_remote_start_reaches_a_16_charger_with_the_right_token(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """A 1.6 charger gets RemoteStartTransaction with the id token and connector asked for."""
    await register(api, "CP-1")
    async with connect_v16(steppe.ocpp_url, "CP-1", PASSWORD, cls=RecordingV16) as cp:
        await cp.call(BOOT)
        answer = await api.post(START.format("CP-1"), json={"id_token": "TAG-7", "connector_id": 2})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["status"] == "Accepted" and body["response"] == {"status": "Accepted"}
        assert body["action"] == "RemoteStartTransaction"
        assert cp.received == [("RemoteStartTransaction", {"id_tag": "TAG-7", "connector_id": 2})]

        rejected = await api.post("/api/v1/stations/CP-1/commands/reset", json={"type": "hard"})
        assert rejected.status_code == 200 and rejected.json()["status"] == "Rejected"
        assert cp.received[-1] == ("Reset", {"type": "Hard"})

    audit = (await api.get("/api/v1/audit", params={"station_id": "CP-1"})).json()["items"]
    assert [(e["command"], e["outcome"], e["status"]) for e in audit] == [
        ("reset", "answered", "Rejected"),
        ("remote-start", "answered", "Accepted"),
    ]
    assert audit[1]["actor"] == "admin-token" and audit[1]["ocpp_version"] == "1.6"
    assert audit[1]["params"]["id_token"] == "TAG-7"


async def test_remote_start_reaches_a_201_charger_as_request_start(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """The same command becomes RequestStartTransaction with an idToken and a remoteStartId."""
    await register(api, "CS-1")
    token = {"id_token": "TAG-201", "status": "Accepted", "type": "ISO14443"}
    assert (await api.post("/api/v1/id-tokens", json=token)).status_code == 201
    async with connect_recording_v201(steppe.ocpp_url, "CS-1") as cp:
        assert (await boot_v201(cp)).status == "Accepted"
        answer = await api.post(START.format("CS-1"), json={"id_token": "TAG-201", "evse_id": 1})
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "Accepted"
        action, payload = cp.received[0]
        assert action == "RequestStartTransaction"
        assert payload["id_token"] == {"id_token": "TAG-201", "type": "ISO14443"}
        assert payload["evse_id"] == 1 and payload["remote_start_id"] > 0

        read = await api.post(
            "/api/v1/stations/CS-1/commands/get-variables",
            json={"variables": [{"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"}]},
        )
        assert read.status_code == 200, read.text
        assert read.json()["status"] == "Accepted"
        assert read.json()["response"]["getVariableResult"][0]["attributeValue"] == "300"

        old_name = await api.post("/api/v1/stations/CS-1/commands/get-configuration", json={})
        assert old_name.status_code == 422
        assert old_name.json()["error"]["code"] == "command_not_available"
        assert "get-variables" in old_name.json()["error"]["message"]


async def test_refusals_unknown_offline_bad_body_and_no_key(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """404 unknown station, 409 offline, 422 naming the field, 401 without a key."""
    unknown = await api.post(START.format("NOPE"), json={"id_token": "T"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"

    await register(api, "CP-OFF")
    offline = await api.post(START.format("CP-OFF"), json={"id_token": "T"})
    assert offline.status_code == 409
    assert offline.json()["error"]["code"] == "station_not_connected"

    bad = await api.post("/api/v1/stations/CP-OFF/commands/reset", json={"type": "medium"})
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "type"
    missing = await api.post(START.format("CP-OFF"), json={"connector_id": 1})
    assert missing.status_code == 422 and "id_token" in missing.json()["error"]["message"]

    async with httpx.AsyncClient(base_url=steppe.http_url) as anonymous:
        no_key = await anonymous.post(START.format("CP-OFF"), json={"id_token": "T"})
    assert no_key.status_code == 401 and no_key.headers["www-authenticate"] == "Bearer"
    assert no_key.json()["error"]["code"] == "unauthenticated"

    audit = (await api.get("/api/v1/audit", params={"station_id": "CP-OFF"})).json()["items"]
    assert [e["outcome"] for e in audit] == ["not_connected"]


async def test_payload_that_breaks_the_ocpp_schema_is_refused_before_sending(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """A trigger for a message 1.6 does not know is a 422, and nothing reaches the charger."""
    await register(api, "CP-S")
    async with connect_v16(steppe.ocpp_url, "CP-S", PASSWORD, cls=RecordingV16) as cp:
        await cp.call(BOOT)
        answer = await api.post(
            "/api/v1/stations/CP-S/commands/trigger-message", json={"message": "Nonsense"}
        )
        assert answer.status_code == 422, answer.text
        assert "TriggerMessage" in answer.json()["error"]["message"]
        assert cp.received == []


async def test_silent_charger_times_out_while_another_station_still_answers(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """504 after the per-request timeout; a second station's command is answered meanwhile."""
    await register(api, "CP-MUTE", "CP-OK")
    async with (
        websockets.connect(
            f"{steppe.ocpp_url}/CP-MUTE",
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
            additional_headers=basic_auth("CP-MUTE", PASSWORD),
        ) as mute,
        connect_v16(steppe.ocpp_url, "CP-OK", PASSWORD, cls=RecordingV16) as ok,
    ):
        await mute.send(RAW_BOOT)
        assert "Accepted" in str(await mute.recv())
        await ok.call(BOOT)
        slow = asyncio.create_task(
            api.post(START.format("CP-MUTE"), params={"timeout": 1.5}, json={"id_token": "T"})
        )
        fast = await api.post(START.format("CP-OK"), json={"id_token": "T"})
        assert fast.status_code == 200 and not slow.done()
        assert ok.received[0][0] == "RemoteStartTransaction"
        timed_out = await slow
        assert timed_out.status_code == 504
        assert timed_out.json()["error"]["code"] == "station_timeout"
    too_long = await api.post(
        START.format("CP-OK"), params={"timeout": 500}, json={"id_token": "T"}
    )
    assert too_long.status_code == 422
    audit = (await api.get("/api/v1/audit", params={"station_id": "CP-MUTE"})).json()["items"]
    assert audit[0]["outcome"] == "timeout"
