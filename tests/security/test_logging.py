"""No secret reaches a log line: passwords, the Basic auth header and the admin token stay out of
everything Steppe logs at DEBUG (with the default logging set-up)."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import InvalidStatus

from steppe import logging as steppe_logging
from steppe.app import Steppe
from tests.conftest import ADMIN_TOKEN
from tests.e2e.charger import connect_v16
from tests.security.test_certificates import SecureCharger

PASSWORD = "very-secret-password-1"
NEW_PASSWORD = "rotated-secret-pw-2"


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Steppe's own logging set-up at DEBUG, captured; restored afterwards."""
    names = ("steppe", "steppe.ocpp.frames", "websockets", "uvicorn.access")
    saved = {
        name: (logging.getLogger(name).level, list(logging.getLogger(name).handlers))
        for name in names
    }
    steppe_logging.configure("DEBUG")
    caplog.set_level(logging.DEBUG, logger="steppe")
    logging.getLogger("steppe.ocpp.frames").setLevel(logging.WARNING)  # configure()'s default
    try:
        yield caplog
    finally:
        for name, (level, handlers) in saved.items():
            logger = logging.getLogger(name)
            logger.setLevel(level)
            logger.handlers[:] = handlers


async def test_passwords_and_tokens_never_appear_in_logs(
    steppe: Steppe, api: httpx.AsyncClient, debug_logs: pytest.LogCaptureFixture
) -> None:
    """Registration, failed and good logins, a password rotation and API calls: the captured log
    has lines about all of them and none carries a secret."""
    created = await api.post("/api/v1/stations", json={"id": "CP-LOG", "password": PASSWORD})
    assert created.status_code == 201
    with pytest.raises(InvalidStatus):
        async with connect_v16(steppe.ocpp_url, "CP-LOG", PASSWORD[::-1]):
            pass
    async with connect_v16(steppe.ocpp_url, "CP-LOG", PASSWORD, cls=SecureCharger):
        rotated = await api.post(
            "/api/v1/stations/CP-LOG/password-rotation", json={"password": NEW_PASSWORD}
        )
        assert rotated.json()["outcome"] == "accepted"
    await api.get("/api/v1/stations/CP-LOG")
    assert (
        await api.get("/api/v1/stations", headers={"Authorization": "Bearer wrong"})
    ).status_code == 401

    lines = [record.getMessage() for record in debug_logs.records]
    text = "\n".join(lines)
    assert "refused" in text and "password rotated" in text, "the events are logged"
    basic = base64.b64encode(f"CP-LOG:{PASSWORD}".encode()).decode()
    for secret in (
        PASSWORD,
        PASSWORD[::-1],
        NEW_PASSWORD,
        NEW_PASSWORD.encode().hex(),
        ADMIN_TOKEN,
        basic,
    ):
        assert secret not in text, f"a secret leaked into the log: {secret[:4]}..."
