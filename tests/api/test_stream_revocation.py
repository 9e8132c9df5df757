"""A key that is revoked, or given another role, loses its open event streams within seconds;
a stream carries only the event types the API guide documents."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import httpx

from steppe.app import Steppe
from steppe.domain.events import EventType

GUIDE = Path(__file__).parents[2] / "docs" / "api.md"


async def stream_lifetime(app: Steppe, key: str, change: object) -> float:
    """Open a stream with `key`, run `change`, and return how long the stream lasted after it."""
    headers = {"Authorization": f"Bearer {key}"}
    async with (
        httpx.AsyncClient(base_url=app.http_url, timeout=10) as client,
        client.stream("GET", "/api/v1/events", headers=headers) as stream,
    ):
        assert stream.status_code == 200
        chunks = stream.aiter_bytes()
        assert (await anext(chunks)).startswith(b": connected")
        await change  # type: ignore[misc]
        changed = time.monotonic()
        async with asyncio.timeout(8):
            async for _ in chunks:
                pass
        return time.monotonic() - changed


async def new_key(api: httpx.AsyncClient, role: str) -> tuple[str, str]:
    created = (await api.post("/api/v1/keys", json={"name": "watcher", "role": role})).json()
    return created["id"], created["key"]


async def test_a_revoked_key_loses_its_stream(steppe: Steppe, api: httpx.AsyncClient) -> None:
    """The admin revokes a viewer's key while it watches events: its stream ends within a few
    seconds, and the key opens no new one."""
    key_id, key = await new_key(api, "viewer")
    lasted = await stream_lifetime(steppe, key, api.delete(f"/api/v1/keys/{key_id}"))
    assert lasted < 4, lasted
    again = await api.get("/api/v1/events", headers={"Authorization": f"Bearer {key}"})
    assert again.status_code == 401


async def test_a_key_given_another_role_loses_its_stream(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """An operator key demoted to viewer: the stream it opened as an operator ends."""
    key_id, key = await new_key(api, "operator")
    change = api.patch(f"/api/v1/keys/{key_id}", json={"role": "viewer"})
    lasted = await stream_lifetime(steppe, key, change)
    assert lasted < 4, lasted
    listed = {k["id"]: k["role"] for k in (await api.get("/api/v1/keys")).json()}
    assert listed[key_id] == "viewer"


def test_the_stream_carries_exactly_the_documented_types() -> None:
    """Every type the event vocabulary has is in the guide's table, and the guide lists no other."""
    text = GUIDE.read_text()
    section = text[text.index("## Events") : text.index("## Webhooks")]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    documented = {
        name for row in rows for name in re.findall(r"`([a-z_]+\.[a-z_]+)`", row.split("|")[1])
    }
    assert documented == {str(t) for t in EventType}
