"""Fixtures shared by the reliability tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from tests.reliability.proxy import TcpProxy


@pytest.fixture
async def proxied(postgres_database_url: str) -> AsyncIterator[tuple[str, TcpProxy]]:
    """The test database's URL, rewritten to go through a proxy on 127.0.0.1."""
    parts = urlsplit(postgres_database_url)
    assert parts.hostname is not None
    proxy = TcpProxy(parts.hostname, parts.port or 5432)
    port = await proxy.start()
    user = f"{parts.username}@" if parts.username else ""
    try:
        yield parts._replace(netloc=f"{user}127.0.0.1:{port}").geturl(), proxy
    finally:
        await proxy.close()
