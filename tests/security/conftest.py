"""Fixtures for TLS tests: a test PKI and a running Steppe serving wss:// with a plain side port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from steppe.app import Steppe, running
from tests.security.pki_files import LocalPki, make_pki


@pytest.fixture
def pki(tmp_path: Path) -> LocalPki:
    return make_pki(tmp_path / "pki")


@pytest.fixture
async def tls_steppe(pki: LocalPki, make_steppe: Callable[..., Steppe]) -> AsyncIterator[Steppe]:
    """Steppe with TLS on the OCPP port, the test CA for client certificates, and a plain port."""
    async with running(make_steppe(ocpp_plain_port=0, **pki.settings())) as app:
        yield app
