"""The handshake lets in registered stations with the right password and refuses everyone else."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from steppe.app import Steppe, running
from tests.e2e.charger import basic_auth

PASSWORD = "correct-horse-battery"


async def register(api: httpx.AsyncClient, station_id: str = "CP-A") -> None:
    response = await api.post("/api/v1/stations", json={"id": station_id, "password": PASSWORD})
    assert response.status_code == 201, response.text


async def refused_status(url: str, **kwargs: object) -> tuple[int, str]:
    with pytest.raises(InvalidStatus) as refused:
        async with websockets.connect(url, open_timeout=5, **kwargs):  # type: ignore[arg-type]
            pass
    response = refused.value.response
    return response.status_code, response.body.decode() if response.body else ""


async def test_registered_station_with_right_password_connects(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """The right password opens the socket with the 1.6 subprotocol."""
    await register(api)
    async with websockets.connect(
        f"{steppe.ocpp_url}/CP-A",
        subprotocols=["ocpp1.6"],
        additional_headers=basic_auth("CP-A", PASSWORD),
    ) as ws:
        assert ws.subprotocol == "ocpp1.6"


async def test_wrong_password_and_unknown_station_get_401(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """A wrong password, a missing one and an unregistered id are all refused with 401."""
    await register(api)
    for station, headers in (
        ("CP-A", basic_auth("CP-A", "wrong-password-000")),
        ("CP-A", {}),
        ("CP-NOBODY", basic_auth("CP-NOBODY", PASSWORD)),
        ("CP-A", basic_auth("CP-OTHER", PASSWORD)),
    ):
        status, _ = await refused_status(
            f"{steppe.ocpp_url}/{station}", subprotocols=["ocpp1.6"], additional_headers=headers
        )
        assert status == 401, station


async def test_no_supported_subprotocol_is_refused_with_a_reason(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Offering only unknown subprotocols (or none) gets 400 naming what the server speaks."""
    await register(api)
    for offered in (["ocpp1.2"], None):
        status, text = await refused_status(
            f"{steppe.ocpp_url}/CP-A",
            subprotocols=offered,
            additional_headers=basic_auth("CP-A", PASSWORD),
        )
        assert status == 400
        assert "ocpp1.6" in text


async def test_bad_station_ids_are_refused_at_the_handshake(steppe: Steppe) -> None:
    """Ids with characters OCPP does not allow, or too long, get 400 before any auth check."""
    for bad in ("bad%20id", "x" * 49, "a%2Fb", ""):
        status, _ = await refused_status(f"{steppe.ocpp_url}/{bad}", subprotocols=["ocpp1.6"])
        assert status == 400, bad


async def test_reconnect_replaces_the_old_connection(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """A second connection for the same station closes the first; the station stays connected."""
    await register(api)
    url = f"{steppe.ocpp_url}/CP-A"
    headers = basic_auth("CP-A", PASSWORD)
    old = await websockets.connect(url, subprotocols=["ocpp1.6"], additional_headers=headers)
    new = await websockets.connect(url, subprotocols=["ocpp1.6"], additional_headers=headers)
    try:
        await asyncio.wait_for(old.wait_closed(), 5)
        assert old.close_code == 4000
        assert steppe.registry.get("CP-A") is not None
        assert (await api.get("/api/v1/stations/CP-A")).json()["connected"] is True
        await new.close()
        for _ in range(100):
            if steppe.registry.get("CP-A") is None:
                break
            await asyncio.sleep(0.01)
        assert (await api.get("/api/v1/stations/CP-A")).json()["connected"] is False
    finally:
        await old.close()
        await new.close()


async def test_unknown_station_is_pending_until_accepted(make_steppe, api_for) -> None:  # type: ignore[no-untyped-def]
    """With unknown stations allowed, a newcomer boots Pending, then Accepted once accepted."""
    from ocpp.v16 import call

    from tests.e2e.charger import connect_v16

    async with (
        running(make_steppe(accept_unknown_stations=True)) as app,
        api_for(app) as api,
        connect_v16(app.ocpp_url, "NEW-1", "any-password-at-all") as cp,
    ):
        boot = await cp.call(call.BootNotification(charge_point_model="M", charge_point_vendor="V"))
        assert boot.status == "Pending"
        station = (await api.get("/api/v1/stations/NEW-1")).json()
        assert station["registration"] == "pending"
        assert (await api.post("/api/v1/stations/NEW-1/accept")).status_code == 200
        boot = await cp.call(call.BootNotification(charge_point_model="M", charge_point_vendor="V"))
        assert boot.status == "Accepted"
