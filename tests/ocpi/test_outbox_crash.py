"""Pushes survive a SIGKILL: what was queued is sent after the restart, nothing twice."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from ocpp.v16 import call

from tests.e2e.charger import connect_v16
from tests.ocpi.emsp import StrictEmsp, token_body
from tests.ocpi.roaming_setup import PASSWORD, STATION, at, eventually, station_with_tariff
from tests.reliability.process import ServerProcess


async def test_killed_server_pushes_its_queue_after_restart_once(
    database_url: str, tmp_path: Path
) -> None:
    """The session is PUT; the partner goes down; the charge ends, its PATCH and CDR wait in the
    outbox; Steppe is killed with SIGKILL; after the restart the partner gets the PATCH and the
    CDR once, and never a second PUT."""
    server = ServerProcess(database_url, tmp_path)
    await server.start()
    try:
        async with server.client() as api, StrictEmsp().serving() as emsp:
            await station_with_tariff(api)
            partner = (await api.post("/api/v1/ocpi/partners", json={"name": "RU"})).json()
            endpoints = await emsp.register(partner["versions_url"], partner["token_a"])
            async with httpx.AsyncClient(timeout=10) as http:
                put = await http.put(
                    f"{endpoints['tokens:RECEIVER']}/RU/EMS/04RU0002",
                    params={"type": "RFID"},
                    json=token_body("04RU0002"),
                    headers=emsp.headers(),
                )
                assert put.json()["status_code"] == 1000
            async with connect_v16(server.ocpp_url, STATION, PASSWORD) as cp:
                start = await cp.call(
                    call.StartTransaction(
                        connector_id=1, id_tag="04RU0002", meter_start=0, timestamp=at(0)
                    )
                )
                assert start.id_tag_info["status"] == "Accepted"
                session_id = str(start.transaction_id)
                await eventually(lambda: emsp.sessions.get(session_id))
                emsp.mode = "down"
                await cp.call(
                    call.StopTransaction(
                        meter_stop=20000, timestamp=at(30), transaction_id=start.transaction_id
                    )
                )

            async def queued() -> set[str]:
                detail = (await api.get(f"/api/v1/ocpi/partners/{partner['id']}")).json()
                return {item["module"] for item in detail["queue"]}

            async with asyncio.timeout(20):
                while await queued() != {"sessions", "cdrs"}:
                    await asyncio.sleep(0.1)
            server.kill()
            assert emsp.cdr_posts == {}
            emsp.mode = "ok"
            await server.start()
            cdr = await eventually(lambda: next(iter(emsp.cdrs.values()), None), timeout=30)
            await eventually(lambda: emsp.sessions[session_id]["status"] == "COMPLETED")
            assert emsp.cdr_posts == {cdr["id"]: 1}
            assert emsp.session_puts == {session_id: 1}
            assert emsp.sessions[session_id]["kwh"] == 20.0
            assert cdr["total_cost"]["incl_vat"] == 1856.0  # 20 kWh x 80 KZT + 16 %
            assert emsp.problems == []
            async with asyncio.timeout(10):
                while await queued():  # the delivered rows leave after the answers
                    await asyncio.sleep(0.05)
    finally:
        server.stop()
