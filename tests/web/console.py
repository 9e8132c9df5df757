"""Signing in to the console with a plain HTTP client, as a browser would without JavaScript."""

from __future__ import annotations

import re

import httpx

from steppe.app import Steppe

PASSWORD = "correct-horse-42"
TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


def form_token(page: str) -> str:
    found = TOKEN.search(page)
    assert found is not None, "the page has no form token"
    return found.group(1)


def browser(app: Steppe) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=app.http_url, timeout=10, follow_redirects=False)


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> httpx.Response:
    page = await client.get("/console/sign-in")
    return await client.post(
        "/console/sign-in",
        data={"csrf": form_token(page.text), "email": email, "password": password},
    )


async def post(
    client: httpx.AsyncClient, path: str, data: dict[str, str], *, page: str
) -> httpx.Response:
    """Post a form of `page` (a console path), with the token that page carries."""
    token = form_token((await client.get(page)).text)
    return await client.post(path, data={"csrf": token, **data})
