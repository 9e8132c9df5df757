"""Guessing API keys from one address is slowed down, and nobody else is held up by it."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from steppe.app import Steppe, running
from tests.conftest import ADMIN_TOKEN


async def test_failed_authentications_lock_out_the_address(
    make_steppe: Callable[..., Steppe],
) -> None:
    """After five wrong keys in a minute, the address gets 429 with Retry-After, even for GETs
    and bodies, without its keys being looked at; the first five were plain 401s."""
    app = make_steppe(api_auth_failures=5, api_auth_lockout_seconds=60)
    async with running(app), httpx.AsyncClient(base_url=app.http_url, timeout=5) as client:
        for i in range(5):
            wrong = {"Authorization": f"Bearer stp_guess-{i}"}
            assert (await client.get("/api/v1/stations", headers=wrong)).status_code == 401
        locked = await client.get("/api/v1/stations", headers={"Authorization": "Bearer stp_x"})
        assert locked.status_code == 429, locked.text
        assert locked.json()["error"]["code"] == "too_many_failures"
        assert 1 <= int(locked.headers["retry-after"]) <= 60
        posted = await client.post(
            "/api/v1/stations", json={"id": "CP-1"}, headers={"Authorization": "Bearer stp_y"}
        )
        assert posted.status_code == 429
        # The lockout is per address: another address is unaffected.
        assert app.api_context.authenticator.failures.retry_after("127.0.0.1") is not None
        assert app.api_context.authenticator.failures.retry_after("192.0.2.7") is None


async def test_a_correct_key_is_not_counted(make_steppe: Callable[..., Steppe]) -> None:
    """Many requests with the right token never lock anyone out."""
    app = make_steppe(api_auth_failures=3)
    async with running(app), httpx.AsyncClient(base_url=app.http_url, timeout=5) as client:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        for _ in range(10):
            assert (await client.get("/api/v1/stations", headers=headers)).status_code == 200
