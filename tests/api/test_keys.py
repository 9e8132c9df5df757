"""API keys: created by an admin or the CLI, stored hashed, roles enforced, revocable."""

from __future__ import annotations

import hashlib
import sqlite3

import httpx
import pytest

from steppe.app import Steppe
from steppe.cli import main

RESET = "/api/v1/stations/CP-1/commands/reset"


def client(steppe: Steppe, key: str | None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.AsyncClient(base_url=steppe.http_url, headers=headers, timeout=10)


async def test_roles_decide_what_a_key_may_do(
    steppe: Steppe, api: httpx.AsyncClient, sqlite_url: str
) -> None:
    """A viewer reads but gets 403 on a command; an operator may command; a revoked key is 401."""
    await api.post("/api/v1/stations", json={"id": "CP-1", "password": "passw0rd-cp-1"})
    viewer = await api.post("/api/v1/keys", json={"name": "wallboard", "role": "viewer"})
    assert viewer.status_code == 201, viewer.text
    operator = (await api.post("/api/v1/keys", json={"name": "ops", "role": "operator"})).json()
    viewer_key = viewer.json()["key"]

    async with client(steppe, viewer_key) as as_viewer:
        assert (await as_viewer.get("/api/v1/stations/CP-1")).status_code == 200
        refused = await as_viewer.post(RESET, json={"type": "soft"})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        assert (await as_viewer.get("/api/v1/keys")).status_code == 403
    async with client(steppe, operator["key"]) as as_operator:
        offline = await as_operator.post(RESET, json={"type": "soft"})
        assert offline.status_code == 409  # allowed to command; the station is just offline
        assert (
            await as_operator.post("/api/v1/keys", json={"name": "x", "role": "admin"})
        ).status_code == 403

    audit = (await api.get("/api/v1/audit")).json()["items"]
    assert audit[0]["actor"] == f"key:{operator['id']} ops"

    listed = (await api.get("/api/v1/keys")).json()
    assert {k["name"] for k in listed} == {"wallboard", "ops"}
    assert all("key" not in k for k in listed)
    assert next(k for k in listed if k["name"] == "ops")["last_used_at"] is not None

    path = sqlite_url.split(":///", 1)[1]
    with sqlite3.connect(path) as db:
        stored = {row[0] for row in db.execute("SELECT key_hash FROM api_keys")}
        everything = " ".join(str(v) for row in db.execute("SELECT * FROM api_keys") for v in row)
    assert hashlib.sha256(viewer_key.encode()).hexdigest() in stored
    assert viewer_key not in everything

    assert (await api.delete(f"/api/v1/keys/{viewer.json()['id']}")).status_code == 204
    async with client(steppe, viewer_key) as revoked:
        gone = await revoked.get("/api/v1/stations/CP-1")
        assert gone.status_code == 401 and gone.headers["www-authenticate"] == "Bearer"
    async with client(steppe, "stp_made-up") as made_up:
        assert (await made_up.get("/api/v1/stations")).status_code == 401
    assert (await api.delete(f"/api/v1/keys/{viewer.json()['id']}")).status_code == 404


async def test_cli_creates_a_key_the_server_accepts(
    steppe: Steppe, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`steppe keys create` prints a key once; it works against the API; `revoke` ends it."""
    import asyncio

    def cli(*argv: str) -> str:
        assert main(["keys", *argv, "--database-url", sqlite_url]) == 0
        return capsys.readouterr().out

    created = await asyncio.to_thread(cli, "create", "--role", "operator", "--name", "billing")
    fields = dict(
        line.split(":", 1) for line in created.splitlines() if line.startswith(("id:", "key:"))
    )
    key, key_id = fields["key"].strip(), fields["id"].strip()
    async with client(steppe, key) as as_cli:
        assert (await as_cli.get("/api/v1/stations")).status_code == 200
    listed = await asyncio.to_thread(cli, "list")
    assert key_id in listed and "billing" in listed and key not in listed
    await asyncio.to_thread(cli, "revoke", key_id)
    async with client(steppe, key) as as_cli:
        assert (await as_cli.get("/api/v1/stations")).status_code == 401


async def test_unmatched_routes_answer_in_the_house_error_shape(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """404 and 405 from routing carry {"error": {"code", "message"}}, not {"detail"}."""
    missing = await api.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong = await api.put("/api/v1/keys")
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"
    unknown_command = await api.post("/api/v1/stations/CP-1/commands/self-destruct", json={})
    assert unknown_command.status_code == 404 and "detail" not in unknown_command.json()
