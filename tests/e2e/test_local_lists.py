"""A local authorization list built from Steppe's id tokens reaches a charger whole, is then
updated differentially, and is sent whole again when the charger boots with another version."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from ocpp.routing import on
from ocpp.v16 import ChargePoint as V16ChargePoint
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import Action as Action16
from ocpp.v201 import ChargePoint as V201ChargePoint
from ocpp.v201 import call_result as result201
from ocpp.v201.enums import Action as Action201

from steppe.app import Steppe, running
from tests.api.commands_helpers import PASSWORD, register
from tests.e2e.charger import connect_v16, connect_v201
from tests.e2e.v201_steps import boot

BOOT = call16.BootNotification(charge_point_model="M", charge_point_vendor="V")


@pytest.fixture
async def steppe(make_steppe: Callable[..., Steppe]) -> AsyncIterator[Steppe]:
    """Local lists sent two tokens per message."""
    async with running(make_steppe(local_list_chunk=2)) as app:
        yield app


class ListHolder16(V16ChargePoint):
    """A 1.6 charger that keeps its local list as the spec says."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version = 0
        self.tags: dict[str, str] = {}
        self.updates: list[tuple[str, int, dict[str, str | None]]] = []

    @on(Action16.get_local_list_version)
    async def list_version(self) -> result16.GetLocalListVersion:
        return result16.GetLocalListVersion(list_version=self.version)

    @on(Action16.send_local_list)
    async def send_local_list(
        self, list_version: int, update_type: str, local_authorization_list: Any = None
    ) -> result16.SendLocalList:
        entries = {
            e["id_tag"]: (e.get("id_tag_info") or {}).get("status")
            for e in local_authorization_list or []
        }
        self.updates.append((update_type, list_version, entries))
        if update_type == "Differential" and list_version <= self.version:
            return result16.SendLocalList(status="VersionMismatch")
        if update_type == "Full":
            self.tags = {}
        for tag, status in entries.items():
            if status is None:
                self.tags.pop(tag, None)
            else:
                self.tags[tag] = status
        self.version = list_version
        return result16.SendLocalList(status="Accepted")


class ListHolder201(V201ChargePoint):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.updates: list[dict[str, Any]] = []

    @on(Action201.get_local_list_version)
    async def list_version(self) -> result201.GetLocalListVersion:
        return result201.GetLocalListVersion(version_number=0)

    @on(Action201.send_local_list)
    async def send_local_list(self, **payload: Any) -> result201.SendLocalList:
        self.updates.append(payload)
        return result201.SendLocalList(status="Accepted")


async def token(api: httpx.AsyncClient, value: str, status: str = "Accepted") -> None:
    answer = await api.post("/api/v1/id-tokens", json={"id_token": value, "status": status})
    assert answer.status_code == 201, answer.text


async def test_a_list_from_tokens_is_sent_whole_then_differentially_then_whole_again(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Three tokens go out as Full (2) + Differential (1); after one is blocked, one deleted and
    one added, only those three go out; when the charger reboots having lost its list, the
    whole list is sent again without anyone asking."""
    await register(api, "LL-1")
    for value, status in (("TAG-A", "Accepted"), ("TAG-B", "Accepted"), ("TAG-C", "Blocked")):
        await token(api, value, status)
    async with connect_v16(steppe.ocpp_url, "LL-1", PASSWORD, cls=ListHolder16) as cp:
        await cp.call(BOOT)
        first = await api.post("/api/v1/stations/LL-1/local-list/sync")
        assert first.status_code == 200, first.text
        assert first.json() == {
            "update_type": "Full",
            "messages": 2,
            "version": 2,
            "status": "in-sync",
        }
        assert [(kind, version) for kind, version, _ in cp.updates] == [
            ("Full", 1),
            ("Differential", 2),
        ]
        assert cp.tags == {"TAG-A": "Accepted", "TAG-B": "Accepted", "TAG-C": "Blocked"}

        await api.patch("/api/v1/id-tokens/TAG-B", json={"status": "Blocked"})
        await api.delete("/api/v1/id-tokens/TAG-A")
        await token(api, "TAG-D")
        second = (await api.post("/api/v1/stations/LL-1/local-list/sync")).json()
        assert second["update_type"] == "Differential" and second["version"] == 4
        changes = {
            tag: status for _, _, entries in cp.updates[2:] for tag, status in entries.items()
        }
        assert changes == {"TAG-A": None, "TAG-B": "Blocked", "TAG-D": "Accepted"}
        assert cp.tags == {"TAG-B": "Blocked", "TAG-C": "Blocked", "TAG-D": "Accepted"}
        unchanged = (await api.post("/api/v1/stations/LL-1/local-list/sync")).json()
        assert unchanged["update_type"] is None and unchanged["messages"] == 0

        cp.version, cp.tags = 0, {}  # a new controller board: the list is gone
        sent_before = len(cp.updates)
        await cp.call(BOOT)
        for _ in range(150):
            if len(cp.tags) == 3:
                break
            await asyncio.sleep(0.1)
        assert cp.updates[sent_before][0] == "Full"
        assert cp.tags == {"TAG-B": "Blocked", "TAG-C": "Blocked", "TAG-D": "Accepted"}
    for _ in range(150):  # the last answer is recorded a moment after the charger applied it
        state = (await api.get("/api/v1/stations/LL-1/local-list")).json()
        if state["version"] == cp.version:
            break
        await asyncio.sleep(0.1)
    assert state["status"] == "in-sync" and state["version"] == cp.version == 6
    assert [e["id_token"] for e in state["items"]] == ["TAG-B", "TAG-C", "TAG-D"]


async def test_a_201_list_keeps_each_token_type(steppe: Steppe, api: httpx.AsyncClient) -> None:
    """2.0.1 entries carry the stored idToken type (ISO14443, eMAID), not a made-up one."""
    await register(api, "LL-2")
    for value, kind in (("04A1B2C3", "ISO14443"), ("KZ-STP-C12345678-9", "eMAID")):
        body = {"id_token": value, "status": "Accepted", "type": kind}
        assert (await api.post("/api/v1/id-tokens", json=body)).status_code == 201
    async with connect_v201(steppe.ocpp_url, "LL-2", PASSWORD, cls=ListHolder201) as cp:
        await boot(cp)
        answer = await api.post("/api/v1/stations/LL-2/local-list/sync", json={"full": True})
        assert answer.json()["update_type"] == "Full"
    [update] = cp.updates
    assert update["update_type"] == "Full" and update["version_number"] == 1
    assert [e["id_token"] for e in update["local_authorization_list"]] == [
        {"id_token": "04A1B2C3", "type": "ISO14443"},
        {"id_token": "KZ-STP-C12345678-9", "type": "eMAID"},
    ]
