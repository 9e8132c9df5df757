"""The pricing worker retries a transaction it could not price, each time later; one that keeps
failing stays queued and holds nobody back; a database outage is waited out, not counted."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import select, update

from steppe.app import Steppe, running
from steppe.domain.cdrs import pricing_queue as pricing
from steppe.storage.tables.tariffs import pricing_queue
from steppe.storage.tables.tariffs import tariffs as tariffs_table
from tests.api.test_tariffs import DAY_NIGHT, charge, priced, station
from tests.reliability.proxy import TcpProxy


def never_told(monkeypatch: pytest.MonkeyPatch, app: Steppe) -> None:
    """Stops end up queued but the worker is not woken: as if the server went away between a
    stop's commit and its pricing."""

    async def not_told(transaction_pk: int) -> None:
        return None

    monkeypatch.setattr(app.services.pricing, "transaction_ended", not_told)


async def queue_row(app: Steppe) -> Any:
    """The one queued transaction's row (attempts, due_at), or None."""
    async with app.db.connect() as conn:
        return (await conn.execute(select(pricing_queue))).mappings().first()


async def queued(app: Steppe) -> set[int]:
    async with app.db.connect() as conn:
        rows = await conn.execute(select(pricing_queue.c.transaction_pk))
        return {int(row[0]) for row in rows}


async def tariff_for(api: httpx.AsyncClient, station_id: str, tariff: dict[str, object]) -> None:
    assert (await api.post("/api/v1/tariffs", json=tariff)).status_code == 201
    assigned = await api.put(
        f"/api/v1/stations/{station_id}/tariff", json={"tariff_id": tariff["id"]}
    )
    assert assigned.status_code == 200


async def test_a_failed_pricing_is_retried_by_itself(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    await station(api)
    await api.post("/api/v1/id-tokens", json={"id_token": "TAG-KZ", "status": "Accepted"})
    await tariff_for(api, "KZ-ALA-1", DAY_NIGHT)
    async with steppe.db.begin() as conn:
        await conn.execute(update(tariffs_table).values(body="{not json"))

    await charge(steppe, "KZ-ALA-1")  # answered Accepted although pricing fails
    async with asyncio.timeout(5):  # the first attempt has failed
        while (row := await queue_row(steppe)) is None or row["attempts"] < 1:
            await asyncio.sleep(0.02)
    assert len(await queued(steppe)) == 1  # not priced, not forgotten

    # Fixed by an operator; the worker's next attempt (1 s after the failure) prices it.
    assert (await api.put("/api/v1/tariffs/kz-day-night", json=DAY_NIGHT)).status_code == 200
    cdr = await priced(api, "KZ-ALA-1", within_s=10)
    assert cdr["total_cost"]["incl_vat"] == "1007.20"
    assert await queued(steppe) == set()


async def test_a_transaction_that_keeps_failing_waits_longer_and_holds_nobody_back(
    steppe: Steppe, api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pricing, "RETRY_AFTER_S", (0.05, 0.05, 30.0))
    await api.post("/api/v1/id-tokens", json={"id_token": "TAG-KZ", "status": "Accepted"})
    await station(api, "KZ-ALA-1")
    await station(api, "KZ-ALA-2")
    await tariff_for(api, "KZ-ALA-1", DAY_NIGHT)
    await tariff_for(api, "KZ-ALA-2", {**DAY_NIGHT, "id": "kz-good"})
    async with steppe.db.begin() as conn:
        broken = update(tariffs_table).where(tariffs_table.c.id == "kz-day-night")
        await conn.execute(broken.values(body="{not json"))

    bad = await charge(steppe, "KZ-ALA-1")
    async with asyncio.timeout(5):  # fails at once, after 0.05 s, after 0.05 s: then 30 s away
        while (row := await queue_row(steppe)) is None or row["attempts"] < 3:
            await asyncio.sleep(0.02)
    assert (row["due_at"] - datetime.now(UTC)).total_seconds() > 25

    # Meanwhile another station's session is priced at once, not after the failing one's wait.
    await charge(steppe, "KZ-ALA-2")
    good = await priced(api, "KZ-ALA-2", within_s=3)
    assert good["total_cost"]["incl_vat"] == "1007.20"
    row = await queue_row(steppe)
    assert row is not None and row["attempts"] == 3  # still queued, still waiting
    tx = (await api.get(f"/api/v1/transactions/{bad}")).json()
    assert tx["status"] == "completed" and tx["cost"] is None


async def test_a_database_outage_pauses_pricing_and_counts_nothing(
    proxied: tuple[str, TcpProxy],
    make_steppe: Callable[..., Steppe],
    api_for: Callable[[Steppe], httpx.AsyncClient],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PostgreSQL goes away (through a proxy the test cuts) while a transaction waits for its
    CDR: the worker pauses and tries again, counts nothing, and prices it once it is back."""
    caplog.set_level(logging.INFO, logger="steppe.billing")
    url, proxy = proxied
    app = make_steppe(database_url=url)
    async with running(app), api_for(app) as api:  # type: ignore[attr-defined]
        await station(api)
        await api.post("/api/v1/id-tokens", json={"id_token": "TAG-KZ", "status": "Accepted"})
        await tariff_for(api, "KZ-ALA-1", DAY_NIGHT)
        hook = app.services.pricing.transaction_ended
        never_told(monkeypatch, app)  # queued, not yet priced
        tx_id = await charge(app, "KZ-ALA-1")

        await proxy.cut()
        await hook(0)  # wakes the worker, as the stop would have
        async with asyncio.timeout(10):
            while not any("pricing paused" in r.getMessage() for r in caplog.records):
                await asyncio.sleep(0.05)
        await proxy.resume()

        cdr = await priced(api, "KZ-ALA-1", within_s=15)
        assert cdr["transaction_id"] == str(tx_id)
        assert not [r for r in caplog.records if "pricing failed" in r.getMessage()]


async def test_a_transaction_stuck_on_a_lock_is_postponed_and_the_others_priced(
    postgres_database_url: str,
    make_steppe: Callable[..., Steppe],
    api_for: Callable[[Steppe], httpx.AsyncClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another session holds an uncommitted CDR for one transaction, so its insert waits past the
    database timeout (an error that looks like an outage while the database answers): that
    transaction is postponed, the next one is priced, and the first once the lock is gone."""
    monkeypatch.setattr(pricing, "RETRY_AFTER_S", (0.2,))
    app = make_steppe(database_url=postgres_database_url, database_timeout=1.0)
    async with running(app), api_for(app) as api:  # type: ignore[attr-defined]
        await api.post("/api/v1/id-tokens", json={"id_token": "TAG-KZ", "status": "Accepted"})
        for station_id in ("KZ-ALA-1", "KZ-ALA-2"):
            await station(api, station_id)
            await tariff_for(api, station_id, {**DAY_NIGHT, "id": f"t-{station_id}"})
        hook = app.services.pricing.transaction_ended
        never_told(monkeypatch, app)
        stuck = int(await charge(app, "KZ-ALA-1"))
        monkeypatch.undo()
        monkeypatch.setattr(pricing, "RETRY_AFTER_S", (0.2,))

        blocker = await asyncpg.connect(postgres_database_url.replace("+asyncpg", ""))
        try:
            await blocker.execute("BEGIN")
            await blocker.execute(
                "INSERT INTO cdrs (id, transaction_pk, station_id, currency, started_at,"
                " stopped_at, total_excl_vat, total_incl_vat, body, created_at)"
                " VALUES ('held', $1, 'KZ-ALA-1', 'KZT', now(), now(), '0', '0', '{}', now())",
                stuck,
            )
            await hook(stuck)  # wakes the worker
            async with asyncio.timeout(10):
                while (row := await queue_row(app)) is None or row["attempts"] < 1:
                    await asyncio.sleep(0.05)

            good = await charge(app, "KZ-ALA-2")
            cdr = await priced(api, "KZ-ALA-2", within_s=10)
            assert cdr["transaction_id"] == str(good)
        finally:
            await blocker.execute("ROLLBACK")
            await blocker.close()

        made = await priced(api, "KZ-ALA-1", within_s=15)
        assert made["transaction_id"] == str(stuck)
