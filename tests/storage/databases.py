"""Which databases storage tests run on: SQLite always, PostgreSQL when a server is given."""

from __future__ import annotations

import os

import pytest

POSTGRES = os.environ.get("STEPPE_TEST_POSTGRES_URL")


def each_database() -> list[object]:
    return [
        "sqlite",
        pytest.param(
            "postgres",
            marks=pytest.mark.skipif(
                POSTGRES is None,
                reason="set STEPPE_TEST_POSTGRES_URL to run on PostgreSQL; CI (.ci/run) does",
            ),
        ),
    ]
