"""An eMSP Steppe's team did not write (`extrawest-ocpi`, its own process and interpreter)
registers, pulls, pushes a token, starts a session, and sees nothing twice across a SIGKILL."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from ocpp.v16 import call

from tests.e2e.charger import connect_v16
from tests.ocpi.peer import Peer, peer_python, running_peer
from tests.ocpi.roaming_setup import (
    PASSWORD,
    STATION,
    ObedientCharger,
    at,
    station_with_tariff,
)
from tests.reliability.process import ServerProcess


@pytest.fixture(scope="session")
def peer_env() -> Path:
    """The peer's virtual environment, made once (kept under .cache/peers between runs)."""
    return peer_python()


async def until(peer: Peer, check: Any, timeout: float = 30) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            state = await peer.call("GET", "/control/state")
            if check(state):
                return dict(state)
            await asyncio.sleep(0.1)


async def test_independent_emsp_charges_across_a_sigkill(
    peer_env: Path, sqlite_url: str, tmp_path: Path
) -> None:
    """Token A from the API; the library's eMSP registers, pulls locations and tariffs through
    its own models, pushes its token, sends START_SESSION; Steppe is killed right after the
    stop and restarted; the eMSP ends with the session COMPLETED and one CDR of 928 KZT."""
    server = ServerProcess(sqlite_url, tmp_path)
    await server.start()
    try:
        async with server.client() as api, running_peer(peer_env, tmp_path / "peer.log") as peer:
            await station_with_tariff(api)
            partner = (await api.post("/api/v1/ocpi/partners", json={"name": "EXW"})).json()
            registered = await peer.call(
                "POST",
                "/control/register",
                {"versions_url": partner["versions_url"], "token_a": partner["token_a"]},
            )
            assert registered["status_code"] == 1000
            locations = (await peer.call("POST", "/control/pull/locations"))["items"]
            assert [loc["id"] for loc in locations] == [STATION]
            assert {c["standard"] for e in locations[0]["evses"] for c in e["connectors"]} == {
                "GBT_DC",
                "IEC_62196_T2_COMBO",
            }
            tariffs = (await peer.call("POST", "/control/pull/tariffs"))["items"]
            assert [t["id"].lower() for t in tariffs] == ["kzt-dc"]  # ids are case-insensitive
            pushed = await peer.call("POST", "/control/token", {"uid": "EXW0001"})
            assert pushed["receiver_responses"][0]["status_code"] == 200, pushed

            async with connect_v16(server.ocpp_url, STATION, PASSWORD, cls=ObedientCharger) as cp:
                await cp.call(
                    call.BootNotification(charge_point_model="DC60", charge_point_vendor="Test")
                )
                started = await peer.call(
                    "POST",
                    "/control/start",
                    {
                        "uid": "cmd-1",
                        "token_uid": "EXW0001",
                        "location_id": STATION,
                        "evse_uid": f"{STATION}-1",
                    },
                )
                assert started["data"]["result"] == "ACCEPTED", started
                remote = await asyncio.wait_for(cp.starts.get(), 10)
                assert remote["id_tag"] == "EXW0001"
                start = await cp.call(
                    call.StartTransaction(
                        connector_id=1, id_tag="EXW0001", meter_start=1000, timestamp=at(0)
                    )
                )
                assert start.id_tag_info["status"] == "Accepted"
                session_id = str(start.transaction_id)
                await until(peer, lambda s: session_id in s["store"].get("sessions", {}))
                await cp.call(
                    call.StopTransaction(
                        meter_stop=11000, timestamp=at(20), transaction_id=start.transaction_id
                    )
                )
            server.kill()  # the stop is stored; its session PATCH and CDR may not be sent yet
            await server.start()
            state = await until(
                peer,
                lambda s: (
                    s["store"].get("cdrs")
                    and s["store"]["sessions"][session_id]["status"] == "COMPLETED"
                ),
            )
            (cdr,) = state["store"]["cdrs"].values()
            assert state["posts"] == {cdr["id"]: 1}
            assert float(cdr["total_cost"]["incl_vat"]) == 928.0 and cdr["currency"] == "KZT"
            assert state["results"]["cmd-1"][0]["result"] == "ACCEPTED"
            assert state["problems"] == []
            transaction = (await api.get(f"/api/v1/transactions/{session_id}")).json()
            assert transaction["roaming_partner_id"] == partner["id"]
    finally:
        server.stop()
