"""Hostile input at the API: quotes, SQL, path traversal, huge strings and unicode are either
stored and read back exactly, or refused with 4xx JSON naming the field."""

from __future__ import annotations

from urllib.parse import quote

import httpx

from steppe.app import Steppe

HOSTILE_IDS = [
    "CP'1",
    'CP"1',
    "CP-1'; DROP TABLE stations; --",
    "../../etc/passwd",
    "CP 1",
    "CP<script>",
    "Станция-1",
    "CP\u00001",
    "x" * 10_000,
    "",
]


def names_field(response: httpx.Response, field: str) -> bool:
    error = response.json()["error"]
    return (
        any(field in item["field"] for item in error.get("fields", [])) or field in error["message"]
    )


async def test_hostile_station_ids_are_refused_naming_the_field(api: httpx.AsyncClient) -> None:
    """A station id OCPP would not accept is refused with 422 naming `id`; nothing is stored."""
    for station_id in HOSTILE_IDS:
        body = {"id": station_id, "password": "p" * 16}
        response = await api.post("/api/v1/stations", json=body)
        assert response.status_code == 422, (station_id, response.text)
        assert names_field(response, "id")
    assert (await api.get("/api/v1/stations")).json()["items"] == []


HOSTILE_PATHS = [
    "/api/v1/stations/..%2F..%2Fetc%2Fpasswd",
    "/api/v1/stations/%27%20OR%20%271%27%3D%271",
    "/api/v1/stations/" + "x" * 10_000,
    "/api/v1/stations/%E2%80%AE%F0%9F%94%8C",
    "/api/v1/id-tokens/%27%3B%20DELETE%20FROM%20id_tokens%3B%20--",
]


async def test_hostile_paths_get_json_errors(api: httpx.AsyncClient) -> None:
    """Lookups by hostile ids answer 404 or 422 in JSON, never a 500 or a crash."""
    for path in HOSTILE_PATHS:
        response = await api.get(path)
        assert response.status_code in (404, 422), (path, response.text)
        assert response.headers["content-type"].startswith("application/json")


async def test_sql_and_unicode_in_free_text_are_stored_verbatim(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Free text with SQL, quotes and unicode is data: read back byte for byte, tables intact."""
    name = (
        "Robert'); DROP TABLE stations;-- "
        "\u00ab\u0410\u043b\u0430-\u0422\u043e\u043e\u00bb \U0001f50c"
    )
    created = await api.post(
        "/api/v1/stations",
        json={"id": "CP-SAFE", "password": "p" * 16, "location": {"name": name, "city": "Ош"}},
    )
    assert created.status_code == 201, created.text
    station = (await api.get("/api/v1/stations/CP-SAFE")).json()
    assert station["location"]["name"] == name
    assert station["location"]["city"] == "Ош"
    token = "' OR '1'='1"
    assert (await api.post("/api/v1/id-tokens", json={"id_token": token})).status_code == 201
    read = await api.get(f"/api/v1/id-tokens/{quote(token, safe='')}")
    assert read.status_code == 200
    assert read.json()["id_token"] == token
    listed = (await api.get("/api/v1/stations")).json()["items"]
    assert [item["id"] for item in listed] == ["CP-SAFE"]


async def test_oversized_free_text_is_refused_naming_the_field(api: httpx.AsyncClient) -> None:
    """A 10k-character name is refused with 422 naming location.name."""
    response = await api.post(
        "/api/v1/stations",
        json={"id": "CP-LONG", "password": "p" * 16, "location": {"name": "n" * 10_000}},
    )
    assert response.status_code == 422
    assert names_field(response, "location.name")
