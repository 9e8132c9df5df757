"""Fixtures of the cluster tests: a NATS server of their own; skipped, with the reason, where
nats-server, haproxy or PostgreSQL is missing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.cluster.infrastructure import HAPROXY, NATS_SERVER, NatsServer
from tests.conftest import POSTGRES_SKIP, POSTGRES_URL, fresh_postgres_database


@pytest.fixture
async def nats_server(tmp_path: Path) -> AsyncIterator[NatsServer]:
    if NATS_SERVER is None:
        pytest.skip("nats-server is not installed (Debian: apt-get install nats-server)")
    directory = tmp_path / "nats"
    directory.mkdir()
    server = NatsServer(directory)
    await server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def haproxy_installed() -> None:
    if HAPROXY is None:
        pytest.skip("haproxy is not installed (Debian: apt-get install haproxy)")


@pytest.fixture
async def shared_database() -> AsyncIterator[str]:
    """One fresh PostgreSQL database for every node of a test's cluster."""
    if POSTGRES_URL is None:
        pytest.skip(POSTGRES_SKIP)
    async with fresh_postgres_database() as url:
        yield url
