"""Drivers' accounts: sign up, confirm by the mail that reached the SMTP server, sign in, reset a
password, cards, blocking, data download and deletion with anonymised transactions."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import select

from steppe.app import Steppe
from steppe.domain.tokens.models import TokenStatus
from steppe.storage.tables.core import transactions
from steppe.storage.tables.drivers import driver_mail
from tests.web.drivers import (
    PASSWORD,
    admin,
    driver_steppe,
    link_in,
    phone,
    post_form,
    signed_up,
    text_of,
)


async def test_a_new_driver_confirms_by_mail_and_gets_an_app_token(
    make_steppe: Callable[..., Steppe],
) -> None:
    """The confirmation link reaches the SMTP server in the page's language; opening it signs
    the driver in, activates the account and makes an app token chargers accept. Signing up
    again with the address mails the account instead, and the page says the same."""
    async with driver_steppe(make_steppe) as (app, box), phone(app, "ru") as client:
        await signed_up(client, box, "aigerim@example.kz", confirm=False)
        mail = await box.wait_for("aigerim@example.kz")
        assert mail["Subject"] == "Подтвердите адрес для Steppe"
        assert "/account/confirm?token=" in text_of(mail)
        account = (await client.get("/account", follow_redirects=True)).text
        assert "sign-in" in account  # not signed in before confirming

        opened = await client.get(link_in(mail, "/account/confirm"))
        assert opened.headers["location"] == "/account?notice=confirmed"
        page = (await client.get(opened.headers["location"])).text
        assert "Адрес подтверждён" in page and 'id="unconfirmed"' not in page
        drivers = app.services.drivers
        (only,) = await drivers.accounts.list()
        assert only.status == "active" and only.language == "ru"
        app_token = await drivers.profile.app_token(only.id)
        assert app_token is not None and app_token.startswith("APP") and app_token in page
        assert (await app.services.tokens.authorize(app_token)).status is TokenStatus.ACCEPTED

        again = await client.get(link_in(mail, "/account/confirm"))
        assert again.status_code == 400 and "больше не работает" in again.text

        async with phone(app) as stranger:
            answer = await post_form(
                stranger,
                "/account/sign-up",
                "/account/sign-up",
                {"email": "Aigerim@Example.kz", "password": "x" * 12, "repeat": "x" * 12},
            )
            assert answer.status_code == 200 and 'id="check-mail"' in answer.text
        exists = await box.wait_for("aigerim@example.kz", "Ваш профиль Steppe")
        assert "/account/reset" in text_of(exists)
        assert len(await drivers.accounts.list()) == 1


async def test_every_form_says_what_is_wrong_next_to_the_field(
    make_steppe: Callable[..., Steppe],
) -> None:
    """Sign-up with a bad address, a short password or two different ones, a card number that
    is not one, and a form without its token: each refused, the message beside its field."""
    async with driver_steppe(make_steppe) as (app, box), phone(app) as client:
        bad = await post_form(
            client,
            "/account/sign-up",
            "/account/sign-up",
            {"email": "not-an-address", "password": "short", "repeat": "short"},
        )
        assert bad.status_code == 422
        assert 'id="f-email-error"' in bad.text and "look like an email" in bad.text
        assert 'id="f-password-error"' in bad.text and "at least 10" in bad.text
        differ = await post_form(
            client,
            "/account/sign-up",
            "/account/sign-up",
            {"email": "a@example.kz", "password": PASSWORD, "repeat": PASSWORD + "!"},
        )
        assert differ.status_code == 422 and 'id="f-repeat-error"' in differ.text
        assert box.mails == []

        forged = await client.post(
            "/account/sign-up", data={"email": "a@example.kz", "password": PASSWORD}
        )
        assert forged.status_code == 403 and "expired" in forged.text

        await signed_up(client, box, "a@example.kz")
        card = await post_form(client, "/account", "/account/cards", {"uid": "hello"})
        assert card.status_code == 422 and 'id="f-uid-error"' in card.text
        wrong = await post_form(client, "/account", "/account/sign-in", {"email": ""})
        assert wrong.status_code in (303, 422)


async def test_a_forgotten_password_is_reset_by_mail_and_the_old_sessions_end(
    make_steppe: Callable[..., Steppe],
) -> None:
    async with driver_steppe(make_steppe) as (app, box), phone(app) as client:
        await signed_up(client, box, "bolat@example.kz")
        async with phone(app) as other:
            asked = await post_form(
                other, "/account/reset", "/account/reset", {"email": "bolat@example.kz"}
            )
            assert asked.status_code == 200
            mail = await box.wait_for("bolat@example.kz", "new password")
            link = link_in(mail, "/account/reset?token=")
            form = await other.get(link)
            assert form.status_code == 200
            token = link.split("token=")[1]
            short = await post_form(
                other, link, "/account/reset/new", {"token": token, "password": "x", "repeat": "x"}
            )
            assert short.status_code == 422 and 'id="f-password-error"' in short.text
            new = "a-new-password-7"
            done = await post_form(
                other, link, "/account/reset/new", {"token": token, "password": new, "repeat": new}
            )
            assert done.headers["location"] == "/account/sign-in?notice=password-changed"
            assert (await other.get(link)).status_code == 400  # used
            signed = await post_form(
                other,
                "/account/sign-in",
                "/account/sign-in",
                {"email": "bolat@example.kz", "password": new, "next": "/account"},
            )
            assert signed.headers["location"] == "/account"
        assert (await client.get("/account")).status_code == 303  # the old session ended
        refused = await post_form(
            client,
            "/account/sign-in",
            "/account/sign-in",
            {"email": "bolat@example.kz", "password": PASSWORD},
        )
        assert refused.status_code == 422 and "Wrong email or password" in refused.text


async def test_cards_follow_the_account_and_a_blocked_account_is_refused_everywhere(
    make_steppe: Callable[..., Steppe],
) -> None:
    """A card the driver adds is accepted at chargers; the operator blocks the account over the
    API and the card and the app token are Blocked; unblocked, accepted again. A card the
    network knows already cannot be claimed."""
    async with driver_steppe(make_steppe) as (app, box), phone(app) as client, admin(app) as api:
        await signed_up(client, box, "dana@example.kz")
        added = await post_form(
            client, "/account", "/account/cards", {"uid": "04:a2:b3:c4:d5:e6:f7", "label": "Key"}
        )
        assert added.headers["location"] == "/account?notice=card-added"
        tokens = app.services.tokens
        assert (await tokens.authorize("04A2B3C4D5E6F7")).status is TokenStatus.ACCEPTED
        await api.post("/api/v1/id-tokens", json={"id_token": "DEADBEEF", "status": "Accepted"})
        taken = await post_form(client, "/account", "/account/cards", {"uid": "deadbeef"})
        assert taken.status_code == 409 and 'id="f-uid-error"' in taken.text

        (account,) = (await api.get("/api/v1/drivers")).json()["items"]
        app_token = await app.services.drivers.profile.app_token(account["id"])
        assert app_token is not None
        blocked = await api.post(f"/api/v1/drivers/{account['id']}/block")
        assert blocked.json()["status"] == "blocked"
        for token in ("04A2B3C4D5E6F7", app_token):
            assert (await tokens.authorize(token)).status is TokenStatus.BLOCKED
        assert 'id="blocked"' in (await client.get("/account")).text
        await api.post(f"/api/v1/drivers/{account['id']}/unblock")
        assert (await tokens.authorize(app_token)).status is TokenStatus.ACCEPTED


async def test_a_driver_downloads_their_data_and_deletes_the_account_leaving_anonymous_charges(
    make_steppe: Callable[..., Steppe],
) -> None:
    """The download holds the address, tokens and sessions; after deletion the transaction
    stays with an ANON- token, the tokens no longer authorize, the mail outbox row is gone."""
    async with driver_steppe(make_steppe) as (app, box), phone(app) as client:
        await signed_up(client, box, "erlan@example.kz")
        (account,) = await app.services.drivers.accounts.list()
        app_token = await app.services.drivers.profile.app_token(account.id)
        now = app.services.clock.now()
        async with app.db.begin() as conn:
            await conn.execute(
                transactions.insert().values(
                    station_id="ALA-1",
                    evse_id=1,
                    connector_id=1,
                    id_token=app_token,
                    status="completed",
                    started_at=now,
                    stopped_at=now,
                    energy_wh=1000,
                    created_at=now,
                    updated_at=now,
                )
            )
        download = await client.get("/account/data.json")
        data = json.loads(download.text)
        assert "attachment" in download.headers["content-disposition"]
        assert data["account"]["email"] == "erlan@example.kz"
        assert [s["id_token"] for s in data["sessions"]] == [app_token]

        wrong = await post_form(client, "/account/delete", "/account/delete", {"password": "no"})
        assert wrong.status_code == 422 and 'id="f-password-error"' in wrong.text
        gone = await post_form(client, "/account/delete", "/account/delete", {"password": PASSWORD})
        assert gone.headers["location"] == "/?notice=deleted"
        async with app.db.connect() as conn:
            kept = (await conn.execute(select(transactions.c.id_token))).scalars().all()
            mail_rows = (await conn.execute(select(driver_mail))).all()
        assert len(kept) == 1 and kept[0].startswith("ANON-") and kept[0] != app_token
        assert mail_rows == []
        assert (await app.services.tokens.authorize(app_token)).status is TokenStatus.INVALID
        assert await app.services.drivers.accounts.list() == []


async def test_the_forms_cannot_flood_someones_mailbox(make_steppe: Callable[..., Steppe]) -> None:
    """Seven sign-ups and resets for one address within the hour: five mails, and the same
    answer each time."""
    async with driver_steppe(make_steppe) as (app, box), phone(app) as client:
        for attempt in range(7):
            path = "/account/sign-up" if attempt % 2 == 0 else "/account/reset"
            data = {"email": "target@example.kz", "password": PASSWORD, "repeat": PASSWORD}
            answer = await post_form(client, path, path, data)
            assert answer.status_code == 200 and 'id="check-mail"' in answer.text
        await box.wait_for("target@example.kz")
        await app.services.drivers.mail.drain()
        async with app.db.connect() as conn:
            queued = (await conn.execute(select(driver_mail.c.kind))).scalars().all()
        assert len(queued) == 5
