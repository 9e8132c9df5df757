"""The public pages, seen by a phone without JavaScript: stations with live availability per
standard and power, "my car" kept in the browser, the tariff in words in the driver's language,
and an EVSE's QR code pointing at its start page."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import segno

from steppe.app import Steppe
from tests.web.drivers import admin, almaty_station, driver_steppe, phone


def plain(page: str) -> str:
    """The page with Babel's no-break spaces (between digits and the currency) as spaces."""
    return page.replace("\xa0", " ")


def kinds(page: str) -> list[str]:
    return re.findall(r'class="kind" data-standard="([^"]+)"', page)


async def test_stations_show_what_is_free_and_my_car_narrows_them(
    make_steppe: Callable[..., Steppe],
) -> None:
    """Without a car every connector kind shows (offline: none free); with a Chinese C10
    chosen only GB/T DC shows, with its 20 -> 80 % time and price; the browser remembers the
    car until the driver picks "any car"."""
    async with driver_steppe(make_steppe) as (app, _box), phone(app) as client:
        await almaty_station(app)
        page = (await client.get("/")).text
        assert kinds(page) == ["GB/T DC", "CCS2"]
        assert "0 of 1 free" in page and "Offline" in page
        chosen = await client.get("/?car=leapmotor-c10-cn-2024")
        assert kinds(chosen.text) == ["GB/T DC"]
        assert re.search(r"20 → 80 %: \d+ min · ₸[\d,]+\.\d\d", plain(chosen.text))
        assert "steppe_car=leapmotor-c10-cn-2024" in chosen.headers["set-cookie"]
        assert kinds((await client.get("/")).text) == ["GB/T DC"]  # kept in the browser
        station = (await client.get("/stations/ALA-1")).text
        assert "does not fit your car" in station and "up to 84 kW" in station
        assert kinds((await client.get("/?car=")).text) == ["GB/T DC", "CCS2"]
        assert kinds((await client.get("/")).text) == ["GB/T DC", "CCS2"]


async def test_the_tariff_is_told_in_the_drivers_language(
    make_steppe: Callable[..., Steppe],
) -> None:
    """Russian gets the operator's own text; English and Kazakh words made from the elements,
    prices with Kazakhstan's VAT; the directions link points at the station."""
    async with driver_steppe(make_steppe) as (app, _box):
        await almaty_station(app)
        async with phone(app, "ru") as ru, phone(app, "en") as en, phone(app) as kk:
            assert "100 ₸ за кВт·ч, 200 ₸ за сессию" in plain(
                (await ru.get("/stations/ALA-1")).text
            )
            english = plain((await en.get("/stations/ALA-1")).text)
            assert "₸232.00 per session" in english and "₸116.00 per kWh" in english
            assert "openstreetmap.org/directions?route=%3B43.233%2C76.957" in english
            kazakh = await kk.get("/stations/ALA-1?lang=kk")
            assert "1 кВт·сағ 116,00 ₸" in plain(kazakh.text)
            assert "steppe_lang=kk" in kazakh.headers["set-cookie"]
            assert 'lang="kk"' in (await kk.get("/")).text


async def test_night_and_day_prices_are_told_by_the_hour(
    make_steppe: Callable[..., Steppe],
) -> None:
    """A tariff without text of its own: 120 by day and 80 at night, each with its hours."""
    async with driver_steppe(make_steppe) as (app, _box), admin(app) as api:
        await almaty_station(app)
        day_night = {
            "id": "day-night",
            "currency": "KZT",
            "elements": [
                {
                    "price_components": [{"type": "ENERGY", "price": "80", "vat": 0}],
                    "restrictions": {"start_time": "23:00", "end_time": "07:00"},
                },
                {"price_components": [{"type": "ENERGY", "price": "120", "vat": 0}]},
            ],
        }
        assert (await api.post("/api/v1/tariffs", json=day_night)).status_code == 201
        await api.put("/api/v1/stations/ALA-1/tariff", json={"tariff_id": "day-night"})
        async with phone(app, "ru") as ru:
            page = plain((await ru.get("/stations/ALA-1")).text)
        assert "80,00 ₸ за кВт·ч, 23:00–07:00" in page and "120,00 ₸ за кВт·ч" in page


async def test_the_qr_code_points_at_the_start_page(make_steppe: Callable[..., Steppe]) -> None:
    """The sticker's code is the EVSE's start page at STEPPE_PUBLIC_URL; the start page asks a
    visitor to sign in or create an account, and offers the sticker to print."""
    public = "https://charge.example.kz"
    async with driver_steppe(make_steppe, public_url=public) as (app, _box), phone(app) as client:
        await almaty_station(app)
        svg = await client.get("/charge/ALA-1/2/qr.svg")
        assert svg.headers["content-type"] == "image/svg+xml"
        expected = io.BytesIO()
        target = f"{public}/charge/ALA-1/2"
        segno.make_qr(target, error="m").save(
            expected, kind="svg", scale=10, border=4, xmldecl=False, title=target
        )
        assert svg.content == expected.getvalue()
        start = (await client.get("/charge/ALA-1/2")).text
        assert 'id="sign-up"' in start and "/charge/ALA-1/2/sticker" in start
        assert target in (await client.get("/charge/ALA-1/2/sticker")).text
        assert (await client.get("/charge/ALA-1/3/qr.svg")).status_code == 404
