"""Debian's Chromium driven by Playwright (no browser download): where it is, and a phone."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from playwright.async_api import Browser, async_playwright

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
# A small Android phone: the narrowest screen the drivers' pages are made for.
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def executable() -> str | None:
    configured = os.environ.get("STEPPE_CHROMIUM")
    if configured:
        return configured
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    path = executable()
    if path is None:
        pytest.skip("no Chromium installed (apt-get install chromium)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=path, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield browser
        finally:
            await browser.close()
