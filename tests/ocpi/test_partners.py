"""Partners that send bad input, look at others' objects, go down or answer garbage."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx
from ocpp.v16 import call

from steppe.app import Steppe
from tests.e2e.charger import connect_v16
from tests.ocpi.emsp import StrictEmsp, token_body
from tests.ocpi.roaming_setup import (
    PASSWORD,
    STATION,
    TARIFF,
    ObedientCharger,
    at,
    eventually,
    station_with_tariff,
)


async def registered(
    api: httpx.AsyncClient, emsp: StrictEmsp, name: str
) -> tuple[str, dict[str, str]]:
    partner = (await api.post("/api/v1/ocpi/partners", json={"name": name})).json()
    return partner["id"], await emsp.register(partner["versions_url"], partner["token_a"])


async def test_bad_requests_get_ocpi_status_codes(steppe: Steppe, api: httpx.AsyncClient) -> None:
    """Unknown tokens get 401, malformed bodies 400 with 2001, another party's token 404, a
    second registration 405, and a partner sees only its own sessions; all as OCPI envelopes."""
    await station_with_tariff(api)
    async with StrictEmsp().serving() as emsp, StrictEmsp(party_id="OTH").serving() as other:
        partner_id, endpoints = await registered(api, emsp, "RU")
        await registered(api, other, "Other")
        tokens = endpoints["tokens:RECEIVER"]
        async with httpx.AsyncClient(timeout=10) as http:
            unknown = await http.get(
                endpoints["locations:SENDER"], headers={"Authorization": "Token bm9wZQ=="}
            )
            assert unknown.status_code == 401 and unknown.json()["status_code"] == 2000
            raw = {"Authorization": f"Token {emsp.token_c}"}  # the raw form older peers send
            assert (await http.get(endpoints["locations:SENDER"], headers=raw)).status_code == 200
            broken = await http.put(
                f"{tokens}/RU/EMS/T1", content=b"{not json", headers=emsp.headers()
            )
            assert broken.status_code == 400 and broken.json()["status_code"] == 2001
            short = {**token_body("T1"), "contract_id": "x" * 37}
            too_long = await http.put(f"{tokens}/RU/EMS/T1", json=short, headers=emsp.headers())
            assert (
                too_long.status_code == 400 and "contract_id" in too_long.json()["status_message"]
            )
            theirs = await http.put(
                f"{tokens}/RU/OTH/T1",
                json={**token_body("T1"), "party_id": "OTH"},
                headers=emsp.headers(),
            )
            assert theirs.status_code == 404 and theirs.json()["status_code"] == 2004
            bad_page = await http.get(
                endpoints["locations:SENDER"], params={"limit": "many"}, headers=emsp.headers()
            )
            assert bad_page.status_code == 400 and bad_page.json()["status_code"] == 2001
            again = await http.post(
                endpoints["credentials:SENDER"],
                headers=emsp.headers(),
                json={"token": "x", "url": "http://x/versions", "roles": []},
            )
            assert again.status_code == 405
            unknown_location = await http.get(
                f"{endpoints['locations:SENDER']}/NOPE", headers=emsp.headers()
            )
            assert unknown_location.json()["status_code"] == 2003
            put = await http.put(
                f"{tokens}/RU/EMS/04RU0003",
                params={"type": "RFID"},
                json=token_body("04RU0003"),
                headers=emsp.headers(),
            )
            assert put.json()["status_code"] == 1000
            async with connect_v16(steppe.ocpp_url, STATION, PASSWORD) as cp:
                start = await cp.call(
                    call.StartTransaction(
                        connector_id=1, id_tag="04RU0003", meter_start=0, timestamp=at(0)
                    )
                )
                assert start.id_tag_info["status"] == "Accepted"
            mine = await emsp.pull(endpoints["sessions:SENDER"])
            assert [s["id"] for s in mine] == [str(start.transaction_id)]
            other_sees = await other.pull(endpoints["sessions:SENDER"])
            assert other_sees == []
            gone = await http.delete(endpoints["credentials:SENDER"], headers=emsp.headers())
            assert gone.json()["status_code"] == 1000
            after = await http.get(endpoints["locations:SENDER"], headers=emsp.headers())
            assert after.status_code == 401
        listed = {p["id"]: p for p in (await api.get("/api/v1/ocpi/partners")).json()}
        assert listed[partner_id]["state"] == "unregistered"
        other_id = next(p for p in listed.values() if p["name"] == "Other")["id"]
        dropped = await api.delete(f"/api/v1/ocpi/partners/{other_id}")
        assert dropped.status_code == 200 and dropped.json()["state"] == "unregistered"
        assert other.unregistered  # told with a DELETE of its credentials
        async with httpx.AsyncClient(timeout=10) as http:
            after = await http.get(endpoints["locations:SENDER"], headers=other.headers())
            assert after.status_code == 401


async def test_real_time_authorization_at_the_owner(steppe: Steppe, api: httpx.AsyncClient) -> None:
    """A NEVER-whitelisted token is asked at its owner (once, then cached); an owner that is
    down lets in only ALLOWED_OFFLINE tokens; unknown tokens stay Invalid."""
    await station_with_tariff(api)
    async with StrictEmsp().serving() as emsp:
        emsp.tokens = [token_body(f"PULLED-{i}") for i in range(5)]  # two per page
        _, endpoints = await registered(api, emsp, "RU")
        tokens = endpoints["tokens:RECEIVER"]
        emsp.authorizations = {"RT-OK": "ALLOWED", "RT-BLOCKED": "BLOCKED"}
        async with httpx.AsyncClient(timeout=10) as http:
            for uid, whitelist in (
                ("RT-OK", "NEVER"),
                ("RT-BLOCKED", "NEVER"),
                ("RT-OFF", "ALLOWED_OFFLINE"),
                ("RT-NEVER", "NEVER"),
            ):
                put = await http.put(
                    f"{tokens}/RU/EMS/{uid}",
                    params={"type": "RFID"},
                    json=token_body(uid, whitelist=whitelist),
                    headers=emsp.headers(),
                )
                assert put.json()["status_code"] == 1000
        async with connect_v16(steppe.ocpp_url, STATION, PASSWORD) as cp:

            async def status(uid: str) -> str:
                return str((await cp.call(call.Authorize(id_tag=uid))).id_tag_info["status"])

            for i in range(5):  # read from the partner's token list at registration
                assert await eventually_async(lambda i=i: status(f"PULLED-{i}"), "Accepted")
            assert await status("RT-OK") == "Accepted"
            assert await status("RT-OK") == "Accepted"
            assert emsp.asked["RT-OK"] == 1  # the second answer came from the cache
            assert await status("RT-BLOCKED") == "Blocked"
            emsp.mode = "down"
            emsp.authorizations["RT-OFF"] = "ALLOWED"
            assert await status("RT-OFF") == "Accepted"  # allowed offline
            assert await status("RT-NEVER") == "Invalid"  # never without its owner's word
            assert await status("NOBODY") == "Invalid"
        assert emsp.problems == []


async def test_a_partner_down_or_answering_garbage_delays_only_itself(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """One partner answers garbage: its push is retried and its health shows the error; the
    other partner gets the same push at once; once the first recovers it gets it too."""
    await station_with_tariff(api)
    async with StrictEmsp().serving() as bad, StrictEmsp(party_id="GOO").serving() as good:
        bad_id, _ = await registered(api, bad, "Bad")
        await registered(api, good, "Good")
        bad.mode = "garbage"
        patched = await api.patch(
            f"/api/v1/stations/{STATION}", json={"location": {"name": "Mega Almaty"}}
        )
        assert patched.status_code == 200, patched.text
        location = await eventually(lambda: good.locations.get(STATION))
        assert location["name"] == "Mega Almaty"
        night = {**TARIFF, "id": "kzt-night"}
        assert (await api.post("/api/v1/tariffs", json=night)).status_code == 201
        pushed = await eventually(lambda: good.tariffs.get("kzt-night"))
        assert pushed["currency"] == "KZT"
        await eventually(lambda: bad.refused >= 2)  # tried again after a pause
        listed = {p["id"]: p for p in (await api.get("/api/v1/ocpi/partners")).json()}
        assert listed[bad_id]["healthy"] is False and listed[bad_id]["queued"] == 2
        assert "not an OCPI envelope" in listed[bad_id]["last_error"]
        bad.mode = "ok"
        await eventually(lambda: bad.locations.get(STATION), timeout=20)
        async with StrictEmsp(party_id="LAT").serving() as late:
            await registered(api, late, "Late")  # it never pulled: a PATCH finds no location
            async with connect_v16(steppe.ocpp_url, STATION, PASSWORD) as cp:
                await cp.call(
                    call.StatusNotification(connector_id=2, error_code="NoError", status="Charging")
                )
            for emsp in (good, bad, late):
                await eventually(lambda emsp=emsp: _evse_status(emsp, 2) == "CHARGING")
            assert late.problems == []
        assert good.problems == [] and bad.problems == []


async def test_queued_changes_of_one_location_go_as_one_put(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Both EVSEs change while the partner is down: when it is back it gets the location
    once, whole, with both new states, instead of two PATCHes."""
    await station_with_tariff(api)
    async with StrictEmsp().serving() as emsp:
        await registered(api, emsp, "RU")
        emsp.mode = "down"
        async with connect_v16(steppe.ocpp_url, STATION, PASSWORD) as cp:
            for connector in (1, 2):
                await cp.call(
                    call.StatusNotification(
                        connector_id=connector, error_code="NoError", status="Faulted"
                    )
                )
        await eventually(lambda: emsp.refused >= 1)
        emsp.mode = "ok"
        location = await eventually(lambda: emsp.locations.get(STATION), timeout=20)
        assert [e["status"] for e in location["evses"]] == ["OUTOFORDER", "OUTOFORDER"]
        assert emsp.location_calls == {"PUT": 1}
        assert emsp.problems == []


async def test_a_hub_tells_of_its_parties(steppe: Steppe, api: httpx.AsyncClient) -> None:
    """A hub PUTs the client info of a party behind it and reads it back; an eMSP may not."""
    async with StrictEmsp().serving() as emsp, StrictEmsp(party_id="HUB").serving() as hub:
        hub.role = "HUB"
        _, endpoints = await registered(api, hub, "Hub")
        await registered(api, emsp, "eMSP")
        url = f"{endpoints['hubclientinfo:RECEIVER']}/KG/BSH"
        info = {
            "party_id": "BSH",
            "country_code": "KG",
            "role": "EMSP",
            "status": "CONNECTED",
            "last_updated": "2026-11-02T08:00:00Z",
        }
        async with httpx.AsyncClient(timeout=10) as http:
            put = await http.put(url, json=info, headers=hub.headers())
            assert put.status_code == 200 and put.json()["status_code"] == 1000, put.text
            got = (await http.get(url, headers=hub.headers())).json()["data"]
            assert (got["role"], got["status"]) == ("EMSP", "CONNECTED")
            refused = await http.put(url, json=info, headers=emsp.headers())
            assert refused.status_code == 405


async def test_unlock_and_reserve_commands_report_the_chargers_answer(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """UNLOCK_CONNECTOR and RESERVE_NOW reach the charger; its answers come back as
    ACCEPTED and EVSE_OCCUPIED on the response URLs; a command for an unknown EVSE is
    REJECTED at once."""
    await station_with_tariff(api)
    async with StrictEmsp().serving() as emsp:
        _, endpoints = await registered(api, emsp, "RU")
        commands = endpoints["commands:RECEIVER"]
        async with (
            connect_v16(steppe.ocpp_url, STATION, PASSWORD, cls=ObedientCharger) as cp,
            httpx.AsyncClient(timeout=10) as http,
        ):
            unlock = await http.post(
                f"{commands}/UNLOCK_CONNECTOR",
                headers=emsp.headers(),
                json={
                    "response_url": f"{emsp.url}/2.2.1/commands/UNLOCK/u1",
                    "location_id": STATION,
                    "evse_uid": f"{STATION}-2",
                    "connector_id": "1",
                },
            )
            assert unlock.json()["data"]["result"] == "ACCEPTED"
            assert (await cp.stops.get())["unlock"]["connector_id"] == 2
            done = await eventually(lambda: emsp.results.get("UNLOCK/u1"))
            assert done[0]["result"] == "ACCEPTED"
            reserve = await http.post(
                f"{commands}/RESERVE_NOW",
                headers=emsp.headers(),
                json={
                    "response_url": f"{emsp.url}/2.2.1/commands/RESERVE/r1",
                    "token": token_body("04RU0009"),
                    "expiry_date": "2030-01-01T00:00:00Z",
                    "reservation_id": "R-77",
                    "location_id": STATION,
                    "evse_uid": f"{STATION}-1",
                },
            )
            assert reserve.json()["data"]["result"] == "ACCEPTED"
            assert (await cp.starts.get())["reserve"]["id_tag"] == "04RU0009"
            occupied = await eventually(lambda: emsp.results.get("RESERVE/r1"))
            assert occupied[0]["result"] == "EVSE_OCCUPIED"
            unknown = await http.post(
                f"{commands}/UNLOCK_CONNECTOR",
                headers=emsp.headers(),
                json={
                    "response_url": f"{emsp.url}/2.2.1/commands/U/x",
                    "location_id": STATION,
                    "evse_uid": "NOPE-9",
                    "connector_id": "1",
                },
            )
            assert unknown.json()["data"]["result"] == "REJECTED"
    assert emsp.problems == []


def _evse_status(emsp: StrictEmsp, evse: int) -> str | None:
    location = emsp.locations.get(STATION) or {}
    for e in location.get("evses", []):
        if e["uid"] == f"{STATION}-{evse}":
            return str(e["status"])
    return None


async def eventually_async(check: Any, expected: Any, timeout: float = 10.0) -> Any:
    async with asyncio.timeout(timeout):
        while (value := await check()) != expected:
            await asyncio.sleep(0.05)
    return value


def test_token_header_forms() -> None:
    """The base64 form of 2.2.1 and the raw form are both read."""
    from steppe.ocpi.context import presented_tokens

    token = "abc-123_XYZ"
    encoded = base64.b64encode(token.encode()).decode()
    assert presented_tokens(f"Token {encoded}")[0] == token
    assert token in presented_tokens(f"Token {token}")
    assert presented_tokens("Bearer x") == []


async def test_we_register_with_a_partner_and_renew_our_tokens(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """The eMSP hands us its token A; we register (POST of our credentials), then renew (PUT):
    after each step the tokens in use both ways are the new ones and the old ones are refused."""
    emsp = StrictEmsp()
    emsp.token_a = "emsp-token-a-for-steppe"
    async with emsp.serving():
        partner = (await api.post("/api/v1/ocpi/partners", json={"name": "ours"})).json()
        connected = await api.post(
            f"/api/v1/ocpi/partners/{partner['id']}/connect",
            json={"versions_url": f"{emsp.url}/versions", "token": emsp.token_a},
        )
        assert connected.status_code == 200, connected.text
        assert connected.json()["state"] == "registered" and emsp.token_a is None
        assert emsp.credential_calls == {"POST": 1}
        locations = partner["versions_url"].replace("/versions", "/2.2.1/locations")
        async with httpx.AsyncClient(timeout=10) as http:
            assert (await http.get(locations, headers=emsp.headers())).status_code == 200
            first_ours, first_theirs = emsp.token_c, emsp.token_b

            renewed = await api.post(f"/api/v1/ocpi/partners/{partner['id']}/renew")
            assert renewed.status_code == 200, renewed.text
            assert emsp.credential_calls == {"POST": 1, "PUT": 1}
            assert emsp.token_c != first_ours and emsp.token_b != first_theirs
            # our new token lets the partner in, the old one no longer does
            assert (await http.get(locations, headers=emsp.headers())).status_code == 200
            old = await http.get(locations, headers=emsp.headers(first_ours))
            assert old.status_code == 401 and old.json()["status_code"] == 2000
            # and we call the partner with the token it answered with: a push reaches it
            await station_with_tariff(api)
            async with connect_v16(steppe.ocpp_url, STATION, PASSWORD) as cp:
                await cp.call(
                    call.StatusNotification(connector_id=1, error_code="NoError", status="Faulted")
                )
                await eventually(lambda: emsp.location_calls.total() > 0)
        detail = (await api.get(f"/api/v1/ocpi/partners/{partner['id']}")).json()
        assert detail["last_error"] is None, detail
    assert emsp.problems == []


async def test_renewing_with_a_partner_that_is_not_registered_or_down(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """409 before registration; 502 when the partner refuses, and the old tokens stay in use."""
    emsp = StrictEmsp()
    async with emsp.serving():
        partner_id, _ = await registered(api, emsp, "down")
        pending = (await api.post("/api/v1/ocpi/partners", json={"name": "pending"})).json()
        refused = await api.post(f"/api/v1/ocpi/partners/{pending['id']}/renew")
        assert refused.status_code == 409
        assert "not registered" in refused.json()["error"]["message"]
        before = emsp.token_c
        emsp.mode = "down"
        failed = await api.post(f"/api/v1/ocpi/partners/{partner_id}/renew")
        assert failed.status_code == 502, failed.text
        assert failed.json()["error"]["code"] == "partner_unreachable"
        emsp.mode = "ok"
        async with httpx.AsyncClient(timeout=10) as http:
            still = await http.get(
                pending["versions_url"].replace("/versions", "/2.2.1/locations"),
                headers=emsp.headers(before),
            )
            assert still.status_code == 200
