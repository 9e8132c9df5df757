"""Version negotiation, and a station that comes back speaking another OCPP version."""

from __future__ import annotations

import asyncio

import httpx
import websockets
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from steppe.app import Steppe
from tests.e2e.charger import basic_auth, connect_v16, connect_v201
from tests.e2e.v201_steps import boot, register

PASSWORD = "s3cret-passw0rd-sw"


async def test_the_newest_offered_version_is_chosen(steppe: Steppe, api: httpx.AsyncClient) -> None:
    """A charger offering 1.6 and 2.0.1 (in either order) gets 2.0.1 and is answered in it."""
    await register(api, "DUAL-1", PASSWORD, "TAG-S")
    for offered in (("ocpp1.6", "ocpp2.0.1"), ("ocpp2.0.1", "ocpp1.6")):
        async with connect_v201(steppe.ocpp_url, "DUAL-1", PASSWORD, subprotocols=offered) as cp:
            assert cp._connection.subprotocol == "ocpp2.0.1"
            assert (await boot(cp)).status == "Accepted"
    async with websockets.connect(
        f"{steppe.ocpp_url}/DUAL-1",
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        additional_headers=basic_auth("DUAL-1", PASSWORD),
    ) as ws:
        assert ws.subprotocol == "ocpp1.6"


async def test_reconnect_with_another_version_switches_cleanly(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """1.6 then 2.0.1 then 1.6 again: each time the old socket is closed, the new one is served
    in its own version, and the API shows the version now spoken."""
    await register(api, "SW-1", PASSWORD, "TAG-S")
    async with connect_v16(steppe.ocpp_url, "SW-1", PASSWORD) as old:
        await old.call(call16.BootNotification(charge_point_model="M", charge_point_vendor="V"))
        assert (await api.get("/api/v1/stations/SW-1")).json()["ocpp_version"] == "1.6"
        async with connect_v201(steppe.ocpp_url, "SW-1", PASSWORD) as new:
            await asyncio.wait_for(old._connection.wait_closed(), 5)
            assert old._connection.close_code == 4000  # replaced by the newer connection
            assert (await boot(new)).status == "Accepted"
            beat = await new.call(call201.Heartbeat())
            assert beat.current_time
            station = (await api.get("/api/v1/stations/SW-1")).json()
            assert station["ocpp_version"] == "2.0.1" and station["connected"] is True
    # Disconnected, the stored version is the last one spoken, even before any boot.
    assert (await api.get("/api/v1/stations/SW-1")).json()["ocpp_version"] == "2.0.1"
    async with connect_v16(steppe.ocpp_url, "SW-1", PASSWORD) as again:
        beat16 = await again.call(call16.Heartbeat())
        assert beat16.current_time
    station = (await api.get("/api/v1/stations/SW-1")).json()
    assert station["ocpp_version"] == "1.6" and station["connected"] is False
