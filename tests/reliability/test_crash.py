"""kill -9 under load, three times, on SQLite and PostgreSQL: nothing acknowledged is lost.

Thirty simulated chargers in durable mode charge in short sessions through a Steppe child
process. Each keeps a message until it gets the CALLRESULT, reconnecting and resending after a
crash; every acknowledged transaction fact goes into the ledger. The server is killed with
SIGKILL at random moments and restarted. At the end every acknowledged start, meter value and
stop must be stored, exactly once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from steppe.simulator import ChargerProfile, Fleet, Ledger
from steppe.simulator.launcher import FleetOptions, register
from steppe.storage.db import Database
from steppe.storage.tables.core import meter_values, transactions
from tests.conftest import ADMIN_TOKEN
from tests.reliability.process import ServerProcess

STATIONS = 30
STATIONS_201 = 10  # of the STATIONS, these speak OCPP 2.0.1 (TransactionEvent with seqNo)
KILLS = 3
ENERGY = "Energy.Active.Import.Register"


def durable(profile: ChargerProfile, number: int) -> ChargerProfile:
    """Sessions of three meter values a twentieth of a second apart, one connector, every
    message kept until acknowledged; well under the server's 50 messages a second per station."""
    return dataclasses.replace(
        profile,
        ocpp_version="2.0.1" if number < STATIONS_201 else "1.6",
        connectors=1,
        idle_seconds=(0.05, 0.15),
        session_seconds=(0.15, 0.15),
        meter_interval=0.05,
        time_scale=60.0,  # a reading every 3 charging seconds: energy rises
        durable=True,
        message_attempts=20,
        open_timeout=5,
        call_timeout=10,
    )


async def all_transactions(api: httpx.AsyncClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 500}
        if cursor is not None:
            params["cursor"] = cursor
        page = (await api.get("/api/v1/transactions", params=params)).json()
        items.extend(page["items"])
        cursor = page["next"]
        if cursor is None:
            return items


async def stored_samples(database_url: str) -> Counter[tuple[str, datetime]]:
    """(transaction id as the API shows it, sample time) of every stored energy reading."""
    db = Database(database_url)
    try:
        async with db.connect() as conn:
            rows = await conn.execute(
                select(transactions.c.ocpp_id, meter_values.c.timestamp)
                .join(transactions, transactions.c.id == meter_values.c.transaction_id)
                .where(meter_values.c.measurand == ENERGY)
            )
            return Counter((str(tx), moment) for tx, moment in rows.all())
    finally:
        await db.close()


@pytest.mark.slow
async def test_kill_9_under_load_loses_no_acknowledged_message(
    database_url: str, tmp_path: Path
) -> None:
    server = ServerProcess(database_url, tmp_path)
    ledger = Ledger()
    rng = random.Random()
    in_flight_at_kill = 0
    options = FleetOptions(
        url=server.ocpp_url,
        stations=STATIONS,
        prefix="CRASH-",
        password="reliability-password-1",
        id_tokens=("RELIABLE-1",),
    )
    profiles = [durable(p, n) for n, p in enumerate(options.profiles())]
    fleet = Fleet(server.ocpp_url, profiles, stagger=0.01, ledger=ledger)
    running: asyncio.Task[Any] | None = None
    try:
        await server.start()
        await register(options, server.http_url, ADMIN_TOKEN)
        running = asyncio.create_task(fleet.run())
        for _ in range(KILLS):
            answered_before = fleet.answered
            await asyncio.sleep(rng.uniform(1.0, 2.5))
            in_flight_at_kill += fleet.in_flight
            server.kill()
            assert fleet.answered > answered_before, "no load reached the server before the kill"
            await asyncio.sleep(rng.uniform(0.0, 0.3))
            await server.start()
        answered_before = fleet.answered
        await asyncio.sleep(1.5)
        assert fleet.answered > answered_before, "the chargers did not come back after a restart"
        fleet.stop()
        async with asyncio.timeout(30):
            report = await running

        async with server.client() as api:
            stored = await all_transactions(api)
        samples = await stored_samples(database_url)
    finally:
        if running is not None and not running.done():
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
        server.stop()
    assert report.failed == 0, report.errors
    assert in_flight_at_kill > 0, "every kill fell between messages; nothing was tested"
    print(
        f"\n{database_url.split(':')[0]}: {report.calls} acknowledged messages, "
        f"{len(ledger.starts)} transactions, {report.resends} resends "
        f"({report.refused} after a CALLERROR), "
        f"{in_flight_at_kill} messages in flight at the {KILLS} kills"
    )

    by_id = {tx["id"]: tx for tx in stored}
    # No duplicates: one stored transaction per acknowledged start, none beyond.
    assert len(stored) == len(by_id) == len(ledger.starts)
    assert set(by_id) == set(ledger.starts)
    for tx_id, station_id in ledger.starts.items():
        tx = by_id[tx_id]
        assert tx["station_id"] == station_id
        assert tx["meter_start_wh"] == ledger.meter_start[tx_id]
        if tx_id in ledger.stops:
            assert tx["status"] == "completed"
            assert tx["meter_stop_wh"] == ledger.stops[tx_id]
            assert tx["energy_wh"] == ledger.stops[tx_id] - ledger.meter_start[tx_id]
        else:
            assert tx["status"] == "active", tx
    # Every acknowledged meter value is stored, once; nothing else was sent.
    expected = Counter(
        {(tx, moment): 1 for tx, moments in ledger.samples.items() for moment in moments}
    )
    assert +samples == expected
