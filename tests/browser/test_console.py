"""A new operator's day in the console, in a real browser: sign in, register a station, start
a charge on a simulated charger, watch it live, stop it, read its cost, edit a tariff, switch to
Russian and Kazakh; and the guards: sign-in required, viewers cannot command, forms need their
token."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, Page, expect

from steppe.app import Steppe
from steppe.domain.tariffs.models import Tariff
from steppe.simulator.charger import Charger, ChargerProfile

PASSWORD = "correct-horse-42"
STATION_PASSWORD = "station-secret-0001"
WAIT = 15_000  # ms


async def seed(app: Steppe) -> None:
    await app.services.users.create("admin@steppe.kz", PASSWORD, "admin", name="Aigerim")
    await app.services.users.create("viewer@steppe.kz", PASSWORD, "viewer")
    await app.services.tokens.create("CARD-1", status="Accepted")
    await app.services.tariffs.create(
        Tariff.from_dict(
            {
                "id": "DAY",
                "currency": "KZT",
                "elements": [
                    {"price_components": [{"type": "ENERGY", "price": "80", "vat": "16"}]}
                ],
            }
        )
    )


async def sign_in(page: Page, app: Steppe, email: str) -> None:
    await page.goto(f"{app.http_url}/console/")
    await expect(page).to_have_url(re.compile(r"/console/sign-in\?next="))
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


@asynccontextmanager
async def simulated_charger(app: Steppe, station_id: str) -> AsyncIterator[Charger]:
    """A 1.6 charger that waits for a remote start (no sessions of its own)."""
    profile = ChargerProfile(
        station_id=station_id,
        password=STATION_PASSWORD,
        connectors=1,
        power_kw=60.0,
        id_tokens=("CARD-1",),
        idle_seconds=(3600.0, 3600.0),
        session_seconds=(600.0, 600.0),
        meter_interval=1.0,
        time_scale=30.0,
        seed=7,
    )
    charger = Charger(profile, app.ocpp_url)
    task = asyncio.create_task(charger.run())
    try:
        for _ in range(200):
            if app.registry.is_connected(station_id) and charger.stats.answered >= 2:
                break
            await asyncio.sleep(0.05)
        yield charger
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_an_operator_charges_a_car_from_the_console(
    steppe: Steppe, chromium: Browser, shots: Path
) -> None:
    """Register a station, connect a charger, start it from the console, see the energy rise
    without reloading, stop it and read the cost; change the tariff and see the preview follow;
    then the same console in Russian and Kazakh."""
    await seed(steppe)
    context = await chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = await context.new_page()
    await sign_in(page, steppe, "admin@steppe.kz")

    # Register the station, declare its connector and give it the tariff.
    await page.get_by_role("link", name="Stations", exact=True).click()
    await page.get_by_role("link", name="Register a station").click()
    await page.get_by_label("Station id").fill("SIM-1")
    await page.get_by_label("Password", exact=True).fill(STATION_PASSWORD)
    await page.get_by_label("Name").fill("Abay Avenue 10")
    await page.get_by_label("City").fill("Almaty")
    await page.get_by_label("Time zone").fill("Asia/Almaty")
    await page.get_by_label("Latitude").fill("43.2389")
    await page.get_by_label("Longitude").fill("76.8897")
    await page.get_by_role("button", name="Register").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Connectors of SIM-1")
    await page.get_by_label("Row 1: EVSE").fill("1")
    await page.get_by_label("Row 1: Connector").fill("1")
    await page.get_by_label("Row 1: Standard").select_option("IEC_62196_T2_COMBO")
    await page.get_by_label("Row 1: Socket or cable").select_option("CABLE")
    await page.get_by_label("Row 1: Power, kW").fill("60")
    await page.get_by_role("button", name="Save").click()
    await page.get_by_role("link", name="Tariffs of this station").click()
    await page.get_by_label("Whole station").fill("DAY")
    await page.get_by_role("button", name="Save").click()

    async with simulated_charger(steppe, "SIM-1"):
        # Find it, see it online, start a charge.
        await page.get_by_role("link", name="Stations", exact=True).click()
        await page.get_by_label("Search").fill("SIM")
        await page.get_by_role("button", name="Find").click()
        await page.get_by_role("link", name="SIM-1").click()
        await expect(page.locator("#station-live")).to_contain_text("Online", timeout=WAIT)
        await page.get_by_role("link", name="Start charging").click()
        await page.get_by_label("Connector (1.6) or EVSE (2.0.1)").fill("1")
        await page.get_by_label("Card (id token)").fill("CARD-1")
        await page.get_by_role("button", name="Continue").click()
        await page.get_by_role("button", name="Confirm and send").click()
        await expect(
            page.get_by_role("heading", name="The station answered: Accepted")
        ).to_be_visible()

        # Watch it live: the energy cell changes while the page stays loaded.
        await page.get_by_role("link", name="Live sessions", exact=True).click()
        row = page.locator("tr[data-tx^='SIM-1|']")
        await expect(row).to_have_count(1, timeout=WAIT)
        energy = row.locator("[data-field='energy']")
        await page.evaluate("window.__stayed = true")
        first = await energy.inner_text()
        await expect(energy).not_to_have_text(first, timeout=WAIT)
        second = await energy.inner_text()
        await expect(energy).not_to_have_text(second, timeout=WAIT)
        assert await page.evaluate("window.__stayed === true"), "the page was reloaded"
        assert float((await energy.inner_text()).replace(",", "")) > 0
        await page.screenshot(path=shots / "live-sessions.png", full_page=True)
        await page.get_by_role("link", name="Dashboard", exact=True).click()
        await expect(page.locator("#map [data-markers], #map.leaflet-container")).to_have_count(1)
        await page.screenshot(path=shots / "dashboard.png", full_page=True)

        # Stop it from its page and read the cost.
        await page.get_by_role("link", name="Live sessions", exact=True).click()
        await page.locator("tr[data-tx^='SIM-1|'] a").first.click()
        await page.get_by_role("link", name="Stop charging").click()
        await page.get_by_role("button", name="Continue").click()
        await page.get_by_role("button", name="Confirm and send").click()
        await expect(
            page.get_by_role("heading", name="The station answered: Accepted")
        ).to_be_visible()
        await page.go_back()
        await page.go_back()
        await page.go_back()
        for _ in range(40):
            await page.reload()
            if await page.get_by_text("incl. VAT").count():
                break
            await asyncio.sleep(0.25)
        await expect(page.locator("#h-cost + p strong")).to_contain_text("₸")
        await expect(page.get_by_role("heading", name="VAT by rate")).to_be_visible()
        await page.screenshot(path=shots / "transaction.png", full_page=True)

    # Edit the tariff: the preview follows the price as it is typed.
    await page.get_by_role("link", name="Tariffs", exact=True).click()
    await page.get_by_role("link", name="DAY").click()
    total = page.locator("#preview-total")
    await expect(total).to_contain_text("1", timeout=WAIT)
    before = await total.inner_text()
    await page.get_by_label("Energy, per kWh: Price, excl. VAT").fill("100")
    await expect(total).not_to_have_text(before, timeout=WAIT)
    await page.screenshot(path=shots / "tariff.png", full_page=True)
    await page.get_by_role("button", name="Save tariff").click()
    await expect(page.get_by_role("status")).to_have_text("Saved.")

    # Russian, then Kazakh: the same pages, money written the local way.
    await page.get_by_label("Language").select_option("ru")
    await page.get_by_role("button", name="Switch").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Тариф DAY")
    await page.get_by_role("link", name="Сводка").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Сводка")
    await expect(page.locator("main")).to_contain_text("₸")
    await page.screenshot(path=shots / "dashboard-ru.png", full_page=True)
    await page.get_by_label("Язык").select_option("kk")
    await page.get_by_role("button", name="Сменить").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Шолу")
    await page.get_by_role("link", name="Станциялар").click()
    await expect(page.get_by_role("cell", name="SIM-1")).to_be_visible()
    await page.screenshot(path=shots / "stations-kk.png", full_page=True)
    await context.close()


async def test_the_console_guards_itself(steppe: Steppe, chromium: Browser, shots: Path) -> None:
    """A signed-out browser is sent to sign in; a viewer has no command buttons and is refused
    the command form; a form whose token was removed is refused and changes nothing."""
    await seed(steppe)
    await steppe.services.stations.create("ALA-1", STATION_PASSWORD, name="Almaty 1")
    context = await chromium.new_context(locale="en-US")
    page = await context.new_page()
    await page.goto(f"{steppe.http_url}/console/stations/ALA-1")
    await expect(page).to_have_url(
        re.compile(r"/console/sign-in\?next=%2Fconsole%2Fstations%2FALA-1")
    )
    await page.screenshot(path=shots / "sign-in.png")
    await page.get_by_label("Email").fill("viewer@steppe.kz")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Almaty 1 (ALA-1)")
    await expect(page.get_by_role("link", name="Start charging")).to_have_count(0)
    await expect(page.get_by_text("Your role can look but not send commands.")).to_be_visible()
    answer = await page.goto(f"{steppe.http_url}/console/stations/ALA-1/commands/reset")
    assert answer is not None and answer.status == 403
    await expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")

    await page.goto(f"{steppe.http_url}/console/account")
    await page.evaluate("document.querySelectorAll('input[name=csrf]').forEach(e => e.remove())")
    await page.get_by_role("button", name="Sign out everywhere").click()
    await expect(page.get_by_text("This form has expired")).to_be_visible()
    await page.goto(f"{steppe.http_url}/console/")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    await context.close()
