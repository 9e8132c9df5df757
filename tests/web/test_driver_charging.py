"""Charging from the phone against a simulated charger: start with the account's app token,
watch the energy rise on the live page's event stream, stop, and read the receipt, on the page
and in the mail; and every way a start is refused without sending anything."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import httpx

from steppe.app import Steppe
from steppe.domain.vehicles.models import Catalogue
from steppe.simulator import Charger, ChargerProfile
from tests.web.drivers import (
    STATION_PASSWORD,
    admin,
    almaty_station,
    driver_steppe,
    phone,
    post_form,
    signed_up,
    text_of,
)

C10_CN = Catalogue.load().get("leapmotor-c10-cn-2024")


@asynccontextmanager
async def simulated_charger(
    app: Steppe, version: str = "1.6", station_id: str = "ALA-1"
) -> AsyncIterator[Charger]:
    profile = ChargerProfile(
        station_id=station_id,
        password=STATION_PASSWORD,
        ocpp_version=version,
        connectors=2,
        id_tokens=("NOBODY",),
        idle_seconds=(3600.0, 3600.0),
        session_seconds=(600.0, 600.0),
        meter_interval=0.25,
        time_scale=20.0,
        vehicles=(C10_CN,),
        outlets=(("GBT_DC", 120.0), ("IEC_62196_T2_COMBO", 120.0)),
        arrival_soc=(20.0, 20.0),
    )
    charger = Charger(profile, app.ocpp_url)
    task = asyncio.create_task(charger.run())
    try:
        async with asyncio.timeout(10):
            while not app.registry.is_connected(station_id) or not charger.readings_acked >= 0:
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.2)  # its connectors' first status
        yield charger
    finally:
        charger.stop()
        task.cancel()  # an idle charger waits for a remote start; nothing else is running
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)


Events = list[tuple[str, dict[str, Any]]]


async def events(client: httpx.AsyncClient, path: str, count: int, until: str = "") -> Events:
    """The first `count` events of a page's event stream, or those up to one of kind `until`."""
    found: Events = []
    kind = ""
    async with client.stream("GET", path) as stream:
        assert stream.status_code == 200
        async for line in stream.aiter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                found.append((kind, json.loads(line[6:])))
                if len(found) >= count or kind == until:
                    break
    return found


async def start(client: httpx.AsyncClient, evse: int, **form: str) -> httpx.Response:
    return await post_form(client, f"/charge/ALA-1/{evse}", f"/charge/ALA-1/{evse}/start", form)


async def session_of(client: httpx.AsyncClient, started: httpx.Response) -> str:
    """Follow a start to its session page (the waiting page redirects once the charger
    reports the transaction)."""
    location = started.headers["location"]
    assert location.startswith("/account/starts/"), started.text
    async with asyncio.timeout(10):
        while True:
            answer = await client.get(location)
            if answer.status_code == 303:
                return answer.headers["location"]
            assert 'id="waiting"' in answer.text
            await asyncio.sleep(0.1)


async def test_a_driver_charges_on_a_1_6_charger_and_gets_the_receipt_by_mail(
    make_steppe: Callable[..., Steppe],
) -> None:
    """Start with the app token, energy rising on the stream, stop, then the receipt: on the
    page and in the mail, the CDR's total in tenge with Kazakhstan's 16 % VAT."""
    async with driver_steppe(make_steppe) as (app, box), phone(app, "ru") as client:
        await almaty_station(app)
        await signed_up(client, box, "gulnara@example.kz")
        async with simulated_charger(app, "1.6") as charger:
            page = await client.get("/charge/ALA-1/1?car=leapmotor-c10-cn-2024")
            assert 'id="start"' in page.text and "до 84 кВт" in page.text
            started = await start(client, 1, vehicle_id=C10_CN.id)
            session = await session_of(client, started)
            pk = int(session.rsplit("/", 1)[1])
            updates = await events(client, f"{session}/events", 4)
            energy = [data["energy_wh"] for kind, data in updates if kind == "update"]
            assert energy == sorted(energy) and energy[-1] > energy[0]
            assert charger.sessions[1].id_token.startswith("APP")

            stopped = await post_form(client, session, f"{session}/stop", {})
            assert stopped.headers["location"] == f"{session}?notice=stop-sent"
            tail = await events(client, f"{session}/events", 50, until="receipt")
            assert any(data.get("ended") for kind, data in tail if kind == "update")
            assert tail[-1] == (
                "receipt",
                {"url": f"/account/sessions/{pk}/receipt"},
            )
        cdr = await app.services.cdrs.create_for(pk)
        assert cdr is not None and cdr.cost.currency == "KZT"
        receipt = (await client.get(f"/account/sessions/{pk}/receipt")).text
        total = re.search(r'id="total" data-amount="([^"]+)" data-currency="KZT"', receipt)
        assert total is not None and Decimal(total.group(1)) == cdr.cost.incl_vat
        assert "НДС 16 %" in receipt and "Плата за сессию" in receipt
        assert "Asia/Almaty" in receipt

        mail = await box.wait_for("gulnara@example.kz", "Чек за зарядку")
        shown = re.search(r"Итого: (.+)", text_of(mail))
        assert shown is not None
        digits = re.sub(r"[^\d,]", "", shown.group(1)).replace(",", ".")
        assert Decimal(digits) == cdr.cost.incl_vat
        assert mail.get_body(("html",)) is not None


async def refused(answer: httpx.Response, status: int, words: str) -> None:
    assert answer.status_code == status, answer.text
    assert 'id="problem"' in answer.text and words in answer.text, answer.text


async def test_a_start_that_cannot_work_says_why_and_sends_nothing(
    make_steppe: Callable[..., Steppe],
) -> None:
    """Unconfirmed, offline, occupied, a car that does not fit (until the driver confirms),
    blocked: each a page saying so; the audit log shows no remote start for the refused."""
    async with driver_steppe(make_steppe) as (app, box), phone(app) as client, admin(app) as api:
        await almaty_station(app)
        await signed_up(client, box, "marat@example.kz", confirm=False)
        await post_form(
            client,
            "/account/sign-in",
            "/account/sign-in",
            {"email": "marat@example.kz", "password": "long-enough-42"},
        )
        await refused(await start(client, 1), 403, "Confirm your email address first")
        mail = await box.wait_for("marat@example.kz")
        await client.get(re.search(r"http\S+", text_of(mail)).group(0))  # type: ignore[union-attr]

        await refused(await start(client, 1), 409, "offline just now. Nothing was sent")
        async with simulated_charger(app, "2.0.1") as charger:
            await charger.status(2, "Charging")
            await asyncio.sleep(0.2)
            await refused(await start(client, 2), 409, "in use. Nothing was sent")
            mismatch = await start(client, 2, vehicle_id="leapmotor-c10-cn-2024")
            assert mismatch.status_code == 409  # occupied comes first
            await charger.status(2, "Available")
            await asyncio.sleep(0.2)
            car = await start(client, 2, vehicle_id="leapmotor-c10-cn-2024")
            await refused(car, 409, "cannot use this connector")
            assert 'name="accept_mismatch"' in car.text
            audit = (await api.get("/api/v1/audit", params={"command": "remote-start"})).json()
            assert audit["items"] == []

            anyway = await start(client, 2, vehicle_id=C10_CN.id, accept_mismatch="yes")
            assert anyway.headers["location"].startswith("/account/starts/")
            (account,) = (await api.get("/api/v1/drivers")).json()["items"]
            await api.post(f"/api/v1/drivers/{account['id']}/block")
            await refused(await start(client, 1), 403, "blocked")
        sent = (await api.get("/api/v1/audit", params={"command": "remote-start"})).json()
        assert [entry["actor"] for entry in sent["items"]] == [f"driver:{account['id']}"]


async def test_a_driver_sees_only_their_own_sessions_and_a_card_charge_joins_them(
    make_steppe: Callable[..., Steppe],
) -> None:
    """A card the driver added, tapped at the charger, makes a session in the account; another
    driver gets a 404 page for it and for its stream; unknown pages are friendly 404s."""
    async with driver_steppe(make_steppe) as (app, box), phone(app) as owner, phone(app) as other:
        await almaty_station(app)
        await signed_up(owner, box, "nurlan@example.kz")
        await signed_up(other, box, "saule@example.kz")
        await post_form(owner, "/account", "/account/cards", {"uid": "04A2B3C4D5E6F7"})
        async with simulated_charger(app, "1.6") as charger:
            # the card tapped at the charger: it asks the server (Authorize), then starts
            await charger.remote_starts.put(("04A2B3C4D5E6F7", 1, None))
            async with asyncio.timeout(10):
                while 1 not in charger.sessions:
                    await asyncio.sleep(0.05)
            charger.stop_requests[1].set()
            async with asyncio.timeout(10):
                while 1 in charger.sessions:
                    await asyncio.sleep(0.05)
        account = (await owner.get("/account")).text
        link = re.search(r'href="/account/sessions/(\d+)"', account)
        assert link is not None, account
        pk = link.group(1)
        assert (await owner.get(f"/account/sessions/{pk}")).status_code == 200
        theirs = await other.get(f"/account/sessions/{pk}")
        assert theirs.status_code == 404 and "Find a charger" in theirs.text
        assert (await other.get(f"/account/sessions/{pk}/events")).status_code == 404
        for path in ("/stations/NOPE", "/charge/ALA-1/9", "/charge/ALA-1/x", "/charge/NOPE/1"):
            missing = await other.get(path)
            assert missing.status_code == 404 and "could not find" in missing.text, path
