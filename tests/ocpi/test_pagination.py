"""OCPI pagination, as properties: any limit, offset and date window gives every matching
location once, in order, with the right total and links."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steppe.app import build, running
from tests.conftest import ADMIN_TOKEN, _settings
from tests.ocpi.emsp import StrictEmsp

STATIONS = 23


class LiveSteppe:
    """A Steppe served from a thread of its own, for synchronous property tests."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.url = ""
        self.token = ""
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self) -> None:
        async with running(build(_settings(self.database_url))) as app:
            self.url = app.http_url
            await self._populate()
            self._ready.set()
            while not self._stop.is_set():
                await asyncio.sleep(0.05)

    async def _populate(self) -> None:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        async with httpx.AsyncClient(base_url=self.url, headers=headers, timeout=10) as api:
            for i in range(STATIONS):
                location = {
                    "latitude": 43 + i / 100,
                    "longitude": 76.9,
                    "city": "Almaty",
                    "country": "KZ",
                    "time_zone": "Asia/Almaty",
                }
                created = await api.post(
                    "/api/v1/stations", json={"id": f"P-{i:03d}", "location": location}
                )
                assert created.status_code == 201
            partner = (await api.post("/api/v1/ocpi/partners", json={"name": "p"})).json()
            emsp = StrictEmsp()
            async with emsp.serving():
                await emsp.register(partner["versions_url"], partner["token_a"])
            assert emsp.token_c is not None
            self.token = emsp.token_c

    def __enter__(self) -> LiveSteppe:
        self._thread.start()
        assert self._ready.wait(60)
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(30)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, list[Any]]]:
    path: Path = tmp_path_factory.mktemp("pages") / "steppe.db"
    with LiveSteppe(f"sqlite+aiosqlite:///{path}") as server:
        headers = StrictEmsp().headers(server.token)
        with httpx.Client(
            base_url=f"{server.url}/ocpi/2.2.1", headers=headers, timeout=10
        ) as client:
            everything = client.get("/locations", params={"limit": 1000}).json()["data"]
            assert len(everything) == STATIONS
            yield client, everything


def walk(client: httpx.Client, params: dict[str, Any]) -> tuple[list[str], list[int]]:
    """Ids of every page from `params` on, following Link; the X-Total-Count of each page."""
    ids: list[str] = []
    totals: list[int] = []
    response = client.get("/locations", params=params)
    while True:
        assert response.status_code == 200
        body = response.json()
        assert body["status_code"] == 1000
        assert len(body["data"]) <= int(response.headers["X-Limit"])
        ids.extend(loc["id"] for loc in body["data"])
        totals.append(int(response.headers["X-Total-Count"]))
        link = response.headers.get("Link")
        if not link:
            return ids, totals
        response = client.get(link[link.index("<") + 1 : link.index(">")])


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    limit=st.integers(1, 30),
    offset=st.integers(0, 30),
    cut=st.integers(0, STATIONS),
    upper=st.integers(0, STATIONS),
    windowed=st.booleans(),
)
def test_pages_cover_each_matching_location_once(
    live: tuple[httpx.Client, list[Any]],
    limit: int,
    offset: int,
    cut: int,
    upper: int,
    windowed: bool,
) -> None:
    """From any offset, the pages hold each location of the window once, in id order, and
    every page tells the same total."""
    client, everything = live
    times = sorted(
        datetime.fromisoformat(loc["last_updated"].replace("Z", "+00:00")) for loc in everything
    )
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    matching = sorted(everything, key=lambda loc: loc["id"])
    if windowed:
        start = times[cut] if cut < len(times) else None
        end = times[upper] if upper < len(times) else None
        if start is not None:
            params["date_from"] = start.isoformat()
        if end is not None:
            params["date_to"] = end.isoformat()

        def inside(loc: Any) -> bool:
            moment = datetime.fromisoformat(loc["last_updated"].replace("Z", "+00:00"))
            return (start is None or moment >= start) and (end is None or moment < end)

        matching = [loc for loc in matching if inside(loc)]
    ids, totals = walk(client, params)
    assert ids == [loc["id"] for loc in matching][offset:]
    assert set(totals) == {len(matching)}
