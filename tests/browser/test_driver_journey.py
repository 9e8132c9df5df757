"""A new driver on a phone, as the network means them to go: on the map choose a Chinese-market
Leapmotor C10 and see only GB/T connectors offered, open a station in Almaty, sign up, confirm by
the mail that reached the local SMTP server, open the charger's QR link, start, watch the energy
rise on a simulated OCPP 2.0.1 charger, stop, and read a receipt in Russian whose total in tenge
is the CDR's, with Kazakhstan's 16 % VAT. Every page stays under 200 KB (no map tiles here)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
import segno
from playwright.async_api import Browser, Page, expect

from steppe.app import Steppe
from steppe.web.i18n import Catalogues
from tests.web.drivers import PASSWORD, admin, almaty_station, driver_steppe, link_in
from tests.web.test_driver_charging import simulated_charger

pytestmark = pytest.mark.browser
PAGE_BUDGET = 200 * 1024
# A small Android phone: the narrowest screen the drivers' pages are made for.
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
WEIGHT = """() => {
  const entries = [...performance.getEntriesByType("navigation"),
                   ...performance.getEntriesByType("resource")];
  return [entries.reduce((sum, e) => sum + (e.encodedBodySize || 0), 0),
          entries.reduce((sum, e) => sum + (e.decodedBodySize || 0), 0)];
}"""


async def astana_ccs2_station(app: Steppe) -> None:
    async with admin(app) as api:
        location = {
            "name": "Khan Shatyr",
            "city": "Astana",
            "country": "KZ",
            "time_zone": "Asia/Almaty",
            "latitude": 51.1325,
            "longitude": 71.4036,
        }
        body = {"id": "AST-1", "password": "station-password-1", "location": location}
        assert (await api.post("/api/v1/stations", json=body)).status_code == 201
        ccs2 = {
            "connectors": [
                {"evse_id": 1, "standard": "CCS2", "format": "cable", "max_power_kw": "150"}
            ]
        }
        assert (await api.put("/api/v1/stations/AST-1/connectors", json=ccs2)).status_code == 200


class Journey:
    """Takes a screenshot and weighs each page the driver sees."""

    def __init__(self, page: Page, folder: Path) -> None:
        self.page = page
        self.folder = folder
        self.weights: dict[str, list[int]] = {}

    async def seen(self, name: str) -> None:
        """Weigh the page as sent (gzipped) and as unpacked, then photograph it."""
        await self.page.wait_for_load_state("load")
        sent, unpacked = await self.page.evaluate(WEIGHT)
        self.weights[name] = [int(sent), int(unpacked)]
        assert sent < PAGE_BUDGET, (name, sent)
        await self.page.screenshot(path=str(self.folder / f"{name}.png"), full_page=True)


async def test_a_new_driver_charges_a_chinese_c10_in_almaty_from_a_phone(
    make_steppe: Callable[..., Steppe], chromium: Browser, shots: Path
) -> None:
    folder = shots / "drivers"
    folder.mkdir(exist_ok=True)
    async with driver_steppe(make_steppe, console_tile_url="") as (app, box):
        await almaty_station(app)
        await astana_ccs2_station(app)
        async with simulated_charger(app, "2.0.1") as charger:
            context = await chromium.new_context(**PHONE, locale="ru-RU")
            page = await context.new_page()
            journey = Journey(page, folder)

            await page.goto(app.http_url + "/")
            await expect(page.locator("#map")).to_have_attribute("data-markers", "2")
            await journey.seen("1-map")
            async with page.expect_navigation():
                await page.select_option("#f-car", "leapmotor-c10-cn-2024")
            standards = await page.locator(".kind").evaluate_all(
                "kinds => kinds.map(k => k.dataset.standard)"
            )
            assert standards == ["GB/T DC"]  # not CCS2 at Almaty, not the Astana CCS2 station
            await expect(page.locator("#car-note")).to_contain_text("Leapmotor C10 CN 2024")
            await journey.seen("2-my-car")

            await page.get_by_role("link", name="Dostyk Plaza").click()
            await expect(page.locator("h1")).to_have_text("Dostyk Plaza")
            await expect(page.locator(".tariff")).to_contain_text("100 ₸ за кВт·ч")
            await journey.seen("3-station")
            await page.get_by_role("link", name="Зарядка 1").click()
            await page.locator("#sign-up").click()
            await page.fill("#f-email", "aidos@example.kz")
            await page.fill("#f-password", PASSWORD)
            await page.fill("#f-repeat", PASSWORD)
            await journey.seen("4-sign-up")
            await page.get_by_role("button", name="Создать профиль").click()
            await expect(page.locator("#check-mail")).to_be_visible()

            mail = await box.wait_for("aidos@example.kz")
            await page.goto(link_in(mail, "/account/confirm"))
            await expect(page.locator(".notice")).to_contain_text("Адрес подтверждён")

            start_url = f"{app.http_url}/charge/ALA-1/1"
            svg = await page.request.get(start_url + "/qr.svg")
            expected = io.BytesIO()
            segno.make_qr(start_url, error="m").save(
                expected, kind="svg", scale=10, border=4, xmldecl=False, title=start_url
            )
            assert await svg.body() == expected.getvalue()  # the sticker's code is this link
            await page.goto(start_url)
            await expect(page.locator(".estimate")).to_contain_text("до 84 кВт")
            await journey.seen("5-start")
            await page.locator("#start").click()

            energy = page.locator("#energy")
            await expect(energy).to_be_visible(timeout=15_000)
            await expect(page.locator("#live")).to_have_attribute("data-live", "open")
            first = int(await energy.get_attribute("data-wh") or 0)
            await page.wait_for_function(
                f"() => Number(document.getElementById('energy').dataset.wh) > {first} + 500"
            )
            assert charger.sessions[1].id_token.startswith("APP")
            await journey.seen("6-charging")
            await page.locator("#stop").click()
            await expect(page.locator("#receipt-link")).to_be_visible(timeout=20_000)
            await page.locator("#receipt-link a").click()

            total = page.locator("#total")
            await expect(total).to_have_attribute("data-currency", "KZT")
            await expect(page.locator("tr.vat")).to_contain_text("НДС 16 %")
            await journey.seen("7-receipt")
            pk = int(page.url.split("/")[-2])
            cdr = await app.services.cdrs.create_for(pk)
            assert cdr is not None and cdr.cost.currency == "KZT"
            assert Decimal(await total.get_attribute("data-amount") or "") == cdr.cost.incl_vat
            russian = Catalogues("driver")["ru"]
            assert await total.inner_text() == russian.money(cdr.cost.incl_vat, "KZT")  # 1 234,56 ₸
            await context.close()
        (folder / "weights.json").write_text(json.dumps(journey.weights, indent=1))
