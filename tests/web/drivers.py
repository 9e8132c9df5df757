"""What the drivers' tests share: a local SMTP server that keeps every mail, a Steppe that sends
its mail there, a station in Almaty with GB/T and CCS2 connectors and a tenge tariff, and a
plain HTTP client that behaves like a phone's browser without JavaScript."""

from __future__ import annotations

import asyncio
import email
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from email.message import EmailMessage
from email.policy import default
from typing import Any

import httpx
from aiosmtpd.smtp import SMTP, Envelope, Session

from steppe.app import Steppe, running
from tests.conftest import ADMIN_TOKEN

PASSWORD = "long-enough-42"
STATION_PASSWORD = "station-password-1"
TOKEN = re.compile(r'name="csrf" value="([^"]+)"')
ALMATY = {
    "name": "Dostyk Plaza",
    "address": "Samal-2, 111",
    "city": "Almaty",
    "country": "KZ",
    "time_zone": "Asia/Almaty",
    "latitude": 43.2330,
    "longitude": 76.9570,
}
CONNECTORS = [
    {"evse_id": 1, "standard": "GB/T DC", "format": "cable", "max_power_kw": "120"},
    {"evse_id": 2, "standard": "CCS2", "format": "cable", "max_power_kw": "120"},
]
TARIFF = {
    "id": "ala-kzt",
    "currency": "KZT",
    "tariff_alt_text": [{"language": "ru", "text": "100 ₸ за кВт·ч, 200 ₸ за сессию, НДС сверху"}],
    "elements": [
        {"price_components": [{"type": "FLAT", "price": "200"}]},
        {"price_components": [{"type": "ENERGY", "price": "100"}]},
    ],
}


class Mailbox:
    """An SMTP server's handler that keeps every mail it is given."""

    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []
        self._arrived = asyncio.Event()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        message = email.message_from_bytes(content, policy=default)
        assert isinstance(message, EmailMessage)
        self.mails.append(message)
        self._arrived.set()
        return "250 OK"

    async def wait_for(self, to: str, subject: str = "", *, timeout: float = 15.0) -> EmailMessage:
        """The first mail to `to` whose subject contains `subject`, waiting for it to come."""
        async with asyncio.timeout(timeout):
            while True:
                for message in self.mails:
                    if message["To"] == to and subject in str(message["Subject"]):
                        return message
                self._arrived.clear()
                await self._arrived.wait()


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def link_in(message: EmailMessage, path: str) -> str:
    found = re.search(r"https?://\S+" + re.escape(path) + r"\S*", text_of(message))
    assert found is not None, text_of(message)
    return found.group(0)


@asynccontextmanager
async def smtp_server() -> AsyncIterator[tuple[Mailbox, int]]:
    box = Mailbox()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(box, hostname="localhost"), "127.0.0.1", 0)
    try:
        yield box, server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


@asynccontextmanager
async def driver_steppe(
    make_steppe: Callable[..., Steppe], **overrides: Any
) -> AsyncIterator[tuple[Steppe, Mailbox]]:
    """A running Steppe whose drivers' mail goes to a local SMTP server."""
    async with smtp_server() as (box, port):
        settings: dict[str, Any] = {
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_security": "none",
            "driver_password_hash_cost": 10,
            **overrides,
        }
        async with running(make_steppe(**settings)) as app:
            yield app, box


def admin(app: Steppe) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=app.http_url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10
    )


def phone(app: Steppe, language: str = "en") -> httpx.AsyncClient:
    """A browser without JavaScript: cookies kept, redirects not followed."""
    return httpx.AsyncClient(
        base_url=app.http_url, timeout=15, headers={"Accept-Language": language}
    )


async def almaty_station(app: Steppe, station_id: str = "ALA-1") -> None:
    async with admin(app) as api:
        body = {"id": station_id, "password": STATION_PASSWORD, "location": ALMATY}
        assert (await api.post("/api/v1/stations", json=body)).status_code == 201
        answer = await api.put(
            f"/api/v1/stations/{station_id}/connectors", json={"connectors": CONNECTORS}
        )
        assert answer.status_code == 200, answer.text
        if (await api.get(f"/api/v1/tariffs/{TARIFF['id']}")).status_code == 404:
            assert (await api.post("/api/v1/tariffs", json=TARIFF)).status_code == 201
        tariff = {"tariff_id": TARIFF["id"]}
        assigned = await api.put(f"/api/v1/stations/{station_id}/tariff", json=tariff)
        assert assigned.status_code == 200


def form_token(page: str) -> str:
    found = TOKEN.search(page)
    assert found is not None, "the page has no form token"
    return found.group(1)


async def post_form(
    client: httpx.AsyncClient, page: str, action: str, data: dict[str, str]
) -> httpx.Response:
    """Post a form of `page` (a path) to `action` with the token that page carries."""
    token = form_token((await client.get(page)).text)
    return await client.post(action, data={"csrf": token, **data})


async def signed_up(
    client: httpx.AsyncClient, box: Mailbox, address: str, *, confirm: bool = True
) -> None:
    """Sign up as `address`; with `confirm`, open the mailed link (which signs in too)."""
    answer = await post_form(
        client,
        "/account/sign-up",
        "/account/sign-up",
        {"email": address, "password": PASSWORD, "repeat": PASSWORD},
    )
    assert answer.status_code == 200, answer.text
    if confirm:
        mail = await box.wait_for(address)
        opened = await client.get(link_in(mail, "/account/confirm"))
        assert opened.status_code == 303 and opened.headers["location"].startswith("/account")
