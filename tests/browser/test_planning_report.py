"""The planning report as a planner opens it: `steppe plan --lang ...` writes report.html, and
Chromium shows its headings, tables and every chart, in Kazakh, Russian and English."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser

from steppe import cli
from tests.planning.demo import short_demo

# What a reader of each language sees first: the page's headings and the sites table's first column.
EXPECTED = {
    "en": ("Waiting", "Utilisation", "Sites", "site", "planning report"),
    "ru": ("Ожидание", "Загрузка", "Площадки", "площадка", "отчёт планирования"),
    "kk": ("Күту", "Пайдаланылуы", "Алаңдар", "алаң", "жоспарлау есебі"),
}


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
async def test_the_report_opens_in_a_browser_in_each_language(
    chromium: Browser, tmp_path: Path, shots: Path, language: str
) -> None:
    out = tmp_path / language
    scenario = short_demo(tmp_path)
    args = ["plan", str(scenario), "--out", str(out), "--lang", language, "--quiet"]
    assert cli.main(args) == 0
    page = await chromium.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto((out / "report.html").as_uri())
    waiting, utilisation, sites, site, title = EXPECTED[language]
    assert await page.get_attribute("html", "lang") == language
    assert title in await page.title()
    for heading in (waiting, utilisation, sites):
        assert await page.get_by_role("heading", name=heading, exact=True).is_visible()
    # the sites table speaks the language and lists every site of the demo network
    assert await page.get_by_role("columnheader", name=site, exact=True).first.is_visible()
    for site_id in ("DEMO-001", "DEMO-005"):
        assert await page.get_by_role("cell", name=site_id, exact=True).first.is_visible()
    # every chart is decoded by the browser and described for a screen reader in the language
    images = page.locator("img")
    assert await images.count() >= 5
    for index in range(await images.count()):
        image = images.nth(index)
        assert await image.evaluate("i => i.complete && i.naturalWidth > 100"), index
        assert (await image.get_attribute("alt") or "").strip(), index
    if language != "en":
        text = await page.inner_text("body")
        for english in ("Share of drivers who had to wait", "Monthly peak load", "lost sessions"):
            assert english not in text
    assert not errors
    await page.screenshot(path=str(shots / f"planning-report-{language}.png"))
    await page.close()
