"""Every console page has a heading and labelled controls, in each language and role."""

from __future__ import annotations

import pytest

from steppe.app import Steppe
from tests.web.console import PASSWORD, browser, post, sign_in
from tests.web.pages import check_page

PAGES = (
    "/console/",
    "/console/stations",
    "/console/stations?state=offline&city=Almaty",
    "/console/stations/ALA-1",
    "/console/stations/new",
    "/console/stations/ALA-1/edit",
    "/console/stations/ALA-1/connectors",
    "/console/stations/ALA-1/tariffs",
    "/console/stations/ALA-1/commands/remote-start",
    "/console/stations/ALA-1/commands/update-firmware",
    "/console/stations/ALA-1/password",
    "/console/sessions",
    "/console/transactions",
    "/console/tariffs",
    "/console/tariffs/new",
    "/console/tariffs/DAY",
    "/console/tokens",
    "/console/tokens/new",
    "/console/tokens/CARD-1",
    "/console/cdrs",
    "/console/audit",
    "/console/webhooks",
    "/console/users",
    "/console/keys",
    "/console/account",
)


async def seed(app: Steppe) -> None:
    services = app.services
    await services.users.create("admin@steppe.kz", PASSWORD, "admin")
    await services.users.create("viewer@steppe.kz", PASSWORD, "viewer")
    await services.stations.create(
        "ALA-1",
        "station-password-1",
        name="Abay 10",
        city="Almaty",
        latitude="43.2389",
        longitude="76.8897",
        time_zone="Asia/Almaty",
        country="KZ",
    )
    await services.tokens.create("CARD-1", status="Accepted")
    from steppe.domain.tariffs.models import Tariff

    await services.tariffs.create(
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


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
async def test_every_page_has_a_heading_and_labelled_controls(
    steppe: Steppe, language: str
) -> None:
    """An admin sees each page in the language chosen, with one heading and no unlabelled
    control; the page is in that language (its `lang` and its navigation)."""
    await seed(steppe)
    nav = {"en": ">Stations<", "ru": ">Станции<", "kk": ">Станциялар<"}[language]
    async with browser(steppe) as client:
        await sign_in(client, "admin@steppe.kz")
        await post(
            client,
            "/console/language",
            {"language": language, "next": "/console/"},
            page="/console/",
        )
        for path in PAGES:
            answer = await client.get(path)
            assert answer.status_code == 200, path
            check_page(answer.text)
            assert f'<html lang="{language}">' in answer.text and nav in answer.text, path


async def test_a_viewer_reads_but_cannot_command_or_administer(steppe: Steppe) -> None:
    """A viewer sees the station without command buttons; the command form, a posted command,
    the users page and a station registration are refused with 403, and nothing is sent."""
    await seed(steppe)
    async with browser(steppe) as client:
        await sign_in(client, "viewer@steppe.kz")
        station = await client.get("/console/stations/ALA-1")
        assert station.status_code == 200
        assert "/commands/remote-start" not in station.text
        assert "can look but not send commands" in station.text
        assert (
            await client.get("/console/stations/ALA-1/commands/remote-start")
        ).status_code == 403
        sent = await post(
            client,
            "/console/stations/ALA-1/commands/reset",
            {"type": "hard", "confirmed": "yes"},
            page="/console/stations/ALA-1",
        )
        assert sent.status_code == 403 and "Your role does not allow this." in sent.text
        assert (await client.get("/console/users")).status_code == 403
        assert (await client.get("/console/stations/new")).status_code == 403
    assert await steppe.services.commands.audit(station_id="ALA-1") == []


async def test_bad_input_is_answered_next_to_the_field(steppe: Steppe) -> None:
    """Registering a station with a bad id, a half position and an unknown zone re-shows the
    form with a message beside each field; a good one lands on its connectors."""
    await seed(steppe)
    async with browser(steppe) as client:
        await sign_in(client, "admin@steppe.kz")
        bad = await post(
            client,
            "/console/stations/new",
            {"id": "bad id!", "security_profile": "1", "latitude": "91", "time_zone": "Mars/Base"},
            page="/console/stations/new",
        )
        assert bad.status_code == 422
        for field in ("id", "latitude", "time_zone"):
            assert f'id="f-{field}-error"' in bad.text, field
        assert "Traceback" not in bad.text
        good = await post(
            client,
            "/console/stations/new",
            {
                "id": "AST-7",
                "security_profile": "1",
                "city": "Astana",
                "latitude": "51.1",
                "longitude": "71.4",
                "time_zone": "Asia/Almaty",
            },
            page="/console/stations/new",
        )
        assert good.status_code == 303 and good.headers["location"].startswith(
            "/console/stations/AST-7/connectors"
        )
    [entry] = await steppe.services.commands.audit(station_id="AST-7")
    assert entry.command == "station.create" and entry.actor == "user:admin@steppe.kz"
