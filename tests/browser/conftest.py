"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser) against a
real Steppe on port 0 with a simulated charger.

Screenshots go to a temporary folder, or to `STEPPE_SCREENSHOTS` (docs/console/ with
`make screenshots`), which docs/console.md shows.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = (
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
)


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless, with a fresh profile (Playwright makes a temporary one)."""
    if shutil.which(CHROMIUM) is None:
        pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run does)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=list(ARGS), headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots are written."""
    folder = Path(os.environ.get("STEPPE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
