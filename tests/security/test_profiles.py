"""Security profiles 2 and 3 over real TLS sockets: who gets in, and who is refused and why."""

from __future__ import annotations

import asyncio
import ssl

import httpx
import pytest
import websockets
from ocpp.v16 import ChargePoint, call
from websockets.exceptions import InvalidHandshake, InvalidStatus

from steppe.app import Steppe
from tests.e2e.charger import basic_auth
from tests.security.pki_files import LocalPki

PASSWORD = "profile-two-password-1"


async def register(api: httpx.AsyncClient, station_id: str, profile: int, **extra: object) -> None:
    body = {"id": station_id, "security_profile": profile, **extra}
    response = await api.post("/api/v1/stations", json=body)
    assert response.status_code == 201, response.text


async def refused(url: str, **kwargs: object) -> tuple[int, str]:
    with pytest.raises(InvalidStatus) as info:
        async with websockets.connect(url, open_timeout=5, subprotocols=["ocpp1.6"], **kwargs):  # type: ignore[arg-type, list-item]
            pass
    response = info.value.response
    return response.status_code, (response.body or b"").decode()


def plain_url(app: Steppe) -> str:
    assert app.ocpp.plain_port is not None
    return f"ws://127.0.0.1:{app.ocpp.plain_port}/ocpp"


async def boot_over(ws: websockets.ClientConnection, station_id: str) -> str:
    cp = ChargePoint(station_id, ws)
    reader = asyncio.create_task(cp.start())
    try:
        result = await cp.call(
            call.BootNotification(charge_point_vendor="V", charge_point_model="M")
        )
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
    return str(result.status)


async def test_profile_2_station_boots_over_tls_with_its_password(
    tls_steppe: Steppe, pki: LocalPki, api_for: object
) -> None:
    """A profile-2 charger connects with wss:// and Basic auth and is answered as usual."""
    assert tls_steppe.ocpp_url.startswith("wss://")
    async with api_for(tls_steppe) as api:  # type: ignore[operator]
        await register(api, "CP-TLS", 2, password=PASSWORD)
    async with websockets.connect(
        f"{tls_steppe.ocpp_url}/CP-TLS",
        ssl=pki.client_context(),
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        additional_headers=basic_auth("CP-TLS", PASSWORD),
        open_timeout=5,
    ) as ws:
        assert await boot_over(ws, "CP-TLS") == "Accepted"


async def test_profile_2_refuses_wrong_password_unknown_id_and_plain_ws(
    tls_steppe: Steppe, pki: LocalPki, api_for: object
) -> None:
    """Over TLS a wrong password or unknown id gets 401; the right password on ws:// gets 403."""
    async with api_for(tls_steppe) as api:  # type: ignore[operator]
        await register(api, "CP-TLS", 2, password=PASSWORD)
    context = pki.client_context()
    status, _ = await refused(
        f"{tls_steppe.ocpp_url}/CP-TLS",
        ssl=context,
        additional_headers=basic_auth("CP-TLS", "nope-nope-nope"),
    )
    assert status == 401
    status, _ = await refused(
        f"{tls_steppe.ocpp_url}/CP-NOBODY",
        ssl=context,
        additional_headers=basic_auth("CP-NOBODY", PASSWORD),
    )
    assert status == 401
    status, reason = await refused(
        f"{plain_url(tls_steppe)}/CP-TLS", additional_headers=basic_auth("CP-TLS", PASSWORD)
    )
    assert status == 403
    assert "TLS" in reason


async def test_profile_1_station_uses_the_plain_port_beside_tls(
    tls_steppe: Steppe, api_for: object
) -> None:
    """With TLS on, a profile-1 charger still connects on the plain side port."""
    async with api_for(tls_steppe) as api:  # type: ignore[operator]
        await register(api, "CP-PLAIN", 1, password=PASSWORD)
    async with websockets.connect(
        f"{plain_url(tls_steppe)}/CP-PLAIN",
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        additional_headers=basic_auth("CP-PLAIN", PASSWORD),
        open_timeout=5,
    ) as ws:
        assert await boot_over(ws, "CP-PLAIN") == "Accepted"


async def test_profile_3_station_gets_in_with_its_certificate_alone(
    tls_steppe: Steppe, pki: LocalPki, api_for: object
) -> None:
    """A client certificate whose CN is the station id is enough; no password needed."""
    async with api_for(tls_steppe) as api:  # type: ignore[operator]
        await register(api, "CP-MTLS", 3)
    context = pki.client_context(pki.station("CP-MTLS", organization="Steppe Test"))
    async with websockets.connect(
        f"{tls_steppe.ocpp_url}/CP-MTLS",
        ssl=context,
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        open_timeout=5,
    ) as ws:
        assert await boot_over(ws, "CP-MTLS") == "Accepted"


async def test_profile_3_refuses_missing_and_borrowed_certificates(
    tls_steppe: Steppe, pki: LocalPki, api_for: object
) -> None:
    """No client certificate, or one issued to another station, gets 403 with a reason."""
    async with api_for(tls_steppe) as api:  # type: ignore[operator]
        await register(api, "CP-MTLS", 3, password=PASSWORD)
        await register(api, "CP-OTHER", 3)
    url = f"{tls_steppe.ocpp_url}/CP-MTLS"
    status, reason = await refused(
        url, ssl=pki.client_context(), additional_headers=basic_auth("CP-MTLS", PASSWORD)
    )
    assert status == 403
    assert "certificate" in reason
    status, reason = await refused(url, ssl=pki.client_context(pki.station("CP-OTHER")))
    assert status == 403
    assert "common name" in reason
    status, _ = await refused(f"{plain_url(tls_steppe)}/CP-MTLS")
    assert status == 403


@pytest.mark.parametrize("kind", ["expired", "foreign"])
async def test_expired_and_foreign_client_certificates_fail_the_tls_handshake(
    tls_steppe: Steppe, pki: LocalPki, api_for: object, kind: str
) -> None:
    """A certificate past its date or from another CA never reaches the OCPP handshake."""
    async with api_for(tls_steppe) as api:  # type: ignore[operator]
        await register(api, "CP-MTLS", 3)
    files = pki.expired_station("CP-MTLS") if kind == "expired" else pki.foreign_station("CP-MTLS")
    with pytest.raises((ssl.SSLError, ConnectionError, InvalidHandshake, EOFError, TimeoutError)):
        async with websockets.connect(
            f"{tls_steppe.ocpp_url}/CP-MTLS",
            ssl=pki.client_context(files),
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
            open_timeout=5,
        ) as ws:
            await ws.recv()
    # The server is unharmed: a good certificate still gets in.
    async with websockets.connect(
        f"{tls_steppe.ocpp_url}/CP-MTLS",
        ssl=pki.client_context(pki.station("CP-MTLS")),
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        open_timeout=5,
    ) as ws:
        assert ws.subprotocol == "ocpp1.6"
