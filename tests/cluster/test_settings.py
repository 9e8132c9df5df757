"""Cluster mode's settings: refused on SQLite with a message that says what to do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from steppe.config import Settings


def test_cluster_mode_on_sqlite_is_refused() -> None:
    """STEPPE_CLUSTER_URL with the SQLite default names PostgreSQL as the way out."""
    with pytest.raises(ValidationError, match="needs every node on one PostgreSQL"):
        Settings(cluster_url="nats://127.0.0.1:4222")


def test_a_cluster_url_must_be_nats() -> None:
    """A URL of another broker is refused before anything starts."""
    with pytest.raises(ValidationError, match="nats://"):
        Settings(
            cluster_url="redis://127.0.0.1:6379",
            database_url="postgresql+asyncpg://postgres@127.0.0.1/test",
        )


def test_serve_refuses_cluster_mode_on_sqlite(tmp_path: Path) -> None:
    """`steppe serve` exits with the reason on one line, no traceback, nothing listening."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "steppe",
            "serve",
            "--database-url",
            f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
        ],
        env={"STEPPE_CLUSTER_URL": "nats://127.0.0.1:4222", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "needs every node on one PostgreSQL" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x.db").exists()
