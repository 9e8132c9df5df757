"""What a Steppe refuses or sets up at start: a short admin token, a readable database file,
and the scheme its log gives for a TLS port."""

from __future__ import annotations

import logging
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from steppe.app import Steppe, running
from steppe.config import Settings
from tests.security.pki_files import LocalPki


def test_an_admin_token_shorter_than_32_characters_is_refused() -> None:
    """A guessable admin token stops the server from starting, with the rule in the message."""
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(admin_token="short-token-12345")  # type: ignore[arg-type]
    assert Settings(admin_token="x" * 32).admin_token is not None  # type: ignore[arg-type]


async def test_the_database_file_is_private(
    tmp_path: Path, make_steppe: Callable[..., Steppe]
) -> None:
    """The SQLite file (and its WAL) is created readable by its owner only, whatever the umask;
    a file left readable by others is narrowed at start."""
    import os

    old = os.umask(0o022)
    try:
        url = f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"
        async with running(make_steppe(database_url=url)):
            for name in ("new.db", "new.db-wal"):
                assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
        loose = tmp_path / "old.db"
        loose.touch(mode=0o644)
        loose.chmod(0o644)
        async with running(make_steppe(database_url=f"sqlite+aiosqlite:///{loose}")):
            assert stat.S_IMODE(loose.stat().st_mode) == 0o600
    finally:
        os.umask(old)


async def test_a_tls_port_is_logged_as_wss(
    pki: LocalPki, make_steppe: Callable[..., Steppe], caplog: pytest.LogCaptureFixture
) -> None:
    """With TLS on the OCPP port, the start-up line says wss://, and names the plain port."""
    caplog.set_level(logging.INFO, logger="steppe")
    async with running(make_steppe(ocpp_plain_port=0, **pki.settings())) as app:
        lines = [r.getMessage() for r in caplog.records if "listening" in r.getMessage()]
        assert lines and f"wss://127.0.0.1:{app.ocpp_port}/ocpp" in lines[0], lines
        assert "ws://127.0.0.1:" not in lines[0]
        assert any("plain OCPP" in r.getMessage() for r in caplog.records)
