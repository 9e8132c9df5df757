"""kill -9 under load, three times, on SQLite and PostgreSQL: nothing acknowledged is lost.

Thirty chargers charge in cycles through a Steppe child process. Each keeps a message until it
gets the CALLRESULT, reconnecting and resending after a crash; every acknowledgement is written
down. The server is killed with SIGKILL at random moments and restarted. At the end every
acknowledged start, meter value and stop must be stored, exactly once.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from steppe.storage.db import Database
from steppe.storage.tables.core import meter_values, transactions
from tests.reliability.charger import CrashProofCharger, CrashProofCharger201, Ledger, register
from tests.reliability.process import ServerProcess

STATIONS = 30
STATIONS_201 = 10  # of the STATIONS, these speak OCPP 2.0.1 (TransactionEvent with seqNo)
KILLS = 3


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
    """(transaction id as the API shows it, sample time) of every stored sample."""
    db = Database(database_url)
    try:
        async with db.connect() as conn:
            rows = await conn.execute(
                select(transactions.c.ocpp_id, meter_values.c.timestamp).join(
                    transactions, transactions.c.id == meter_values.c.transaction_id
                )
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
    stop = asyncio.Event()
    rng = random.Random()
    in_flight_at_kill = 0
    try:
        await server.start()
        station_ids = [f"CRASH-{n:03d}" for n in range(STATIONS)]
        async with server.client() as api:
            await register(api, station_ids)
        chargers = [
            (CrashProofCharger201 if n < STATIONS_201 else CrashProofCharger)(
                server.ocpp_url, sid, n, ledger
            )
            for n, sid in enumerate(station_ids)
        ]
        tasks = [asyncio.create_task(c.run(stop)) for c in chargers]
        for _ in range(KILLS):
            acks_before = ledger.acks
            await asyncio.sleep(rng.uniform(1.0, 2.5))
            in_flight_at_kill += sum(c.in_flight for c in chargers)
            server.kill()
            assert ledger.acks > acks_before, "no load reached the server before the kill"
            await asyncio.sleep(rng.uniform(0.0, 0.3))
            await server.start()
        acks_before = ledger.acks
        await asyncio.sleep(1.5)
        assert ledger.acks > acks_before, "the chargers did not come back after the last restart"
        stop.set()
        async with asyncio.timeout(30):
            await asyncio.gather(*tasks)

        async with server.client() as api:
            stored = await all_transactions(api)
        samples = await stored_samples(database_url)
    finally:
        stop.set()
        server.stop()
    assert in_flight_at_kill > 0, "every kill fell between messages; nothing was tested"
    print(
        f"\n{database_url.split(':')[0]}: {ledger.acks} acknowledged messages, "
        f"{len(ledger.starts)} transactions, {ledger.resends} resends "
        f"({ledger.refusals} after a CALLERROR), "
        f"{in_flight_at_kill} messages in flight at the {KILLS} kills"
    )

    by_id = {tx["id"]: tx for tx in stored}
    # No duplicates: one stored transaction per acknowledged start, none beyond.
    assert len(stored) == len(by_id) == len(ledger.starts)
    assert set(by_id) == set(ledger.starts.values())
    for (station_id, _cycle), tx_id in ledger.starts.items():
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
