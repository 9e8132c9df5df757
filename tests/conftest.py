"""Shared fixtures: a real Steppe on port 0 on a real SQLite file (or PostgreSQL), real clients."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from steppe.app import Steppe, build, running
from steppe.config import Settings
from steppe.ocpp.validation import SchemaRegistry

ADMIN_TOKEN = "test-admin-token-0123456789-abcdefghijklmnop"
POSTGRES_URL = os.environ.get("STEPPE_TEST_POSTGRES_URL")
POSTGRES_SKIP = "set STEPPE_TEST_POSTGRES_URL to run on PostgreSQL; CI (.ci/run) does"


@pytest.fixture(scope="session")
def schemas() -> SchemaRegistry:
    """Compiled schemas are shared by every server of the test run (they never change)."""
    return SchemaRegistry()


def _settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "http_port": 0,
        "ocpp_port": 0,
        "database_url": database_url,
        "admin_token": ADMIN_TOKEN,
        "password_hash_cost": 10,
        "ping_interval": None,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


StartServer = Callable[..., "AsyncIterator[Steppe]"]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'steppe.db'}"


@pytest.fixture
async def steppe(sqlite_url: str, schemas: SchemaRegistry) -> AsyncIterator[Steppe]:
    """A running Steppe on an SQLite file in a temporary folder."""
    async with running(build(_settings(sqlite_url), schemas=schemas)) as app:
        yield app


@pytest.fixture
def make_steppe(sqlite_url: str, schemas: SchemaRegistry) -> Callable[..., object]:
    """Build (not start) a Steppe with settings overridden; use `async with running(...)`."""

    def make(**overrides: object) -> Steppe:
        url = str(overrides.pop("database_url", sqlite_url))
        return build(_settings(url, **overrides), schemas=schemas)

    return make


@pytest.fixture
async def api(steppe: Steppe) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the running Steppe, authenticated as admin."""
    async with httpx.AsyncClient(
        base_url=steppe.http_url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10
    ) as client:
        yield client


@pytest.fixture
def sqlite_database_url(sqlite_url: str) -> str:
    return sqlite_url


@asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    import uuid

    import asyncpg

    assert POSTGRES_URL is not None
    base = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
    server, _, _ = base.rpartition("/")
    name = f"steppe_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield f"{server.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    finally:
        admin = await asyncpg.connect(f"{server}/postgres")
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
async def postgres_database_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database for one test (skipped without STEPPE_TEST_POSTGRES_URL)."""
    if POSTGRES_URL is None:
        pytest.skip(POSTGRES_SKIP)
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, sqlite_url: str) -> AsyncIterator[str]:
    """Each database Steppe supports in turn: an SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield sqlite_url
        return
    if POSTGRES_URL is None:
        pytest.skip(POSTGRES_SKIP)
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def api_for() -> Callable[[Steppe], object]:
    """An admin HTTP client for a Steppe started inside the test."""

    def make(app: Steppe) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=app.http_url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10
        )

    return make
