"""Sites through the API: described, read back with their allocation, replaced, removed; a bad
description is a 422 with a JSON body, a station on two sites a 409, never a 500."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from steppe.app import Steppe, running

SITE = {
    "max_current_a": "63",
    "phases": 3,
    "station_ids": ["S-1"],
    "circuits": [
        {
            "id": "board-a",
            "max_current_a": "40",
            "station_ids": ["S-2", "S-3"],
            "circuits": [
                {"id": "l2-feed", "max_current_a": "20", "phases": 1, "phase": "L2"},
            ],
        }
    ],
    "evses": [
        {"station_id": "S-2", "rotation": "STR"},
        {"station_id": "S-3", "phases": 1, "rotation": "L3", "max_current_a": "16"},
    ],
    "margin_a": "3",
}


async def test_a_site_is_described_read_back_replaced_and_removed(api: httpx.AsyncClient) -> None:
    """PUT creates (201) and shows each station's EVSE counted at its maximum while offline;
    PUT again replaces (200); DELETE removes it (then 404)."""
    made = await api.put("/api/v1/sites/almaty-1", json=SITE)
    assert made.status_code == 201, made.text
    site = made.json()
    assert site["max_current_a"] == "63" and site["min_current_a"] == "6"
    by_station = {e["station_id"]: e for e in site["allocations"]}
    assert set(by_station) == {"S-1", "S-2", "S-3"}
    # nobody is connected: every EVSE counted at its hardware maximum, fail-safe
    assert all(
        e["state"] == "uncontrolled" and e["reason"] == "offline" for e in by_station.values()
    )
    assert by_station["S-2"]["rotation"] == "STR" and by_station["S-3"]["grid_phases"] == ["L3"]
    loads = {c["id"]: c for c in site["circuit_loads"]}
    assert loads["almaty-1"]["planned_a"] == ["64.0", "64.0", "80.0"]
    assert loads["almaty-1"]["overloaded"] is True  # the unsteerable alone exceed it
    assert loads["almaty-1"]["capacity_a"] == ["60.0", "60.0", "60.0"]
    assert loads["l2-feed"]["capacity_a"] == [None, "20.0", None]

    again = await api.put("/api/v1/sites/almaty-1", json={**SITE, "max_current_a": "100"})
    assert again.status_code == 200 and again.json()["max_current_a"] == "100"
    assert (await api.get("/api/v1/sites/almaty-1")).json()["max_current_a"] == "100"

    assert (await api.delete("/api/v1/sites/almaty-1")).status_code == 204
    gone = await api.get("/api/v1/sites/almaty-1")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"


async def test_a_station_is_on_one_site_at_most(api: httpx.AsyncClient) -> None:
    """A second site naming a station of the first is refused with 409."""
    assert (await api.put("/api/v1/sites/one", json=SITE)).status_code == 201
    clash = await api.put("/api/v1/sites/two", json={"max_current_a": "32", "station_ids": ["S-3"]})
    assert clash.status_code == 409 and "S-3" in clash.json()["error"]["message"]


BAD_SITES: list[object] = [
    {
        "max_current_a": "32",
        "prices": {"zone": "Mars/Olympus", "steps": [{"starts": "23:00", "price_per_kwh": "1"}]},
    },
    {"max_current_a": "32", "prices": {"steps": [{"starts": "25:00", "price_per_kwh": "1"}]}},
    {"max_current_a": "32", "prices": {"steps": []}},
    {"max_current_a": "32", "station_ids": ["A", "A"]},
    {"max_current_a": "0", "station_ids": ["A"]},
    {"max_current_a": "-5"},
    {"max_current_a": "32.25"},
    {"max_current_a": "32", "phases": 2},
    {"max_current_a": "32", "phases": 1},
    {"max_current_a": "32", "station_ids": ["A"], "evses": [{"station_id": "B"}]},
    {
        "max_current_a": "32",
        "station_ids": ["A"],
        "evses": [{"station_id": "A", "rotation": "XYZ"}],
    },
    {"max_current_a": "32", "strategy": "loudest"},
    {"max_current_a": "32", "surprise": True},
    {
        "max_current_a": "32",
        "circuits": [
            {
                "id": "one-phase",
                "max_current_a": "16",
                "phases": 1,
                "phase": "L1",
                "station_ids": ["A"],
            }
        ],
        "evses": [{"station_id": "A", "phases": 3}],
    },
    {
        "max_current_a": "32",
        "circuits": [{"id": "x", "max_current_a": "16"}, {"id": "x", "max_current_a": "16"}],
    },
    {"max_current_a": "32", "circuits": [{"id": "x", "max_current_a": "16", "phases": 1}]},
    [],
    "not json at all",
]


async def test_a_bad_site_is_a_422_with_a_json_body(api: httpx.AsyncClient) -> None:
    """Each of these is refused with 422 and a JSON error; nothing is stored."""
    for body in BAD_SITES:
        if isinstance(body, str):
            answer = await api.put(
                "/api/v1/sites/bad", content=body, headers={"Content-Type": "application/json"}
            )
        else:
            answer = await api.put("/api/v1/sites/bad", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert isinstance(answer.json(), dict)
    assert (await api.get("/api/v1/sites/bad")).status_code == 404


async def test_site_routes_need_a_key_and_a_sane_id(api: httpx.AsyncClient) -> None:
    """No key: 401; an id with a slash or space never reaches the store."""
    async with httpx.AsyncClient(base_url=str(api.base_url)) as anonymous:
        assert (await anonymous.get("/api/v1/sites/x")).status_code == 401
    assert (await api.put("/api/v1/sites/a%20b", json=SITE)).status_code == 422


async def test_a_site_outlives_a_restart_on_each_database(
    make_steppe: Callable[..., Steppe],
    api_for: Callable[[Steppe], httpx.AsyncClient],
    database_url: str,
) -> None:
    """A site put before a restart is managed again after it, from the stored description,
    and still holds its stations against another site; SQLite and PostgreSQL alike."""
    async with running(make_steppe(database_url=database_url)) as app, api_for(app) as api:
        assert (await api.put("/api/v1/sites/kept", json=SITE)).status_code == 201
    async with running(make_steppe(database_url=database_url)) as app, api_for(app) as api:
        site = (await api.get("/api/v1/sites/kept")).json()
        assert site["circuits"][0]["id"] == "board-a" and site["margin_a"] == "3"
        async with asyncio.timeout(10):  # the worker loads it and allocates
            while not site["allocations"]:
                await asyncio.sleep(0.05)
                site = (await api.get("/api/v1/sites/kept")).json()
        assert {e["station_id"] for e in site["allocations"]} == {"S-1", "S-2", "S-3"}
        clash = await api.put(
            "/api/v1/sites/other", json={"max_current_a": "9", "station_ids": ["S-1"]}
        )
        assert clash.status_code == 409
