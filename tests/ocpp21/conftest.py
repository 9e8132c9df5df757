"""Every 2.1 test runs on SQLite and on PostgreSQL: the new tables' upserts differ by dialect."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from steppe.app import Steppe, running


@pytest.fixture
async def steppe(database_url: str, make_steppe: Callable[..., Steppe]) -> AsyncIterator[Steppe]:
    async with running(make_steppe(database_url=database_url)) as app:
        yield app
