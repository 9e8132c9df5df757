"""The pricing worker retries a transaction it could not price, and one that keeps failing does
not hold the others back: it is set aside, still queued, while the rest are priced."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from sqlalchemy import select, update

from steppe.app import Steppe
from steppe.domain.cdrs import pricing
from steppe.storage.tables.tariffs import pricing_queue
from steppe.storage.tables.tariffs import tariffs as tariffs_table
from tests.api.test_tariffs import DAY_NIGHT, charge, priced, station


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
    await asyncio.sleep(0.3)
    assert len(await queued(steppe)) == 1  # not priced, not forgotten

    # Fixed by an operator; the worker's next attempt (1 s after the failure) prices it.
    assert (await api.put("/api/v1/tariffs/kz-day-night", json=DAY_NIGHT)).status_code == 200
    cdr = await priced(api, "KZ-ALA-1", within_s=10)
    assert cdr["total_cost"]["incl_vat"] == "1007.20"
    assert await queued(steppe) == set()


async def test_a_transaction_that_keeps_failing_is_set_aside_and_the_others_priced(
    steppe: Steppe,
    api: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(pricing, "RETRY_AFTER_S", (0.05,))
    caplog.set_level(logging.INFO, logger="steppe.billing")
    await api.post("/api/v1/id-tokens", json={"id_token": "TAG-KZ", "status": "Accepted"})
    await station(api, "KZ-ALA-1")
    await station(api, "KZ-ALA-2")
    await tariff_for(api, "KZ-ALA-1", DAY_NIGHT)
    await tariff_for(api, "KZ-ALA-2", {**DAY_NIGHT, "id": "kz-good"})
    async with steppe.db.begin() as conn:
        broken = update(tariffs_table).where(tariffs_table.c.id == "kz-day-night")
        await conn.execute(broken.values(body="{not json"))

    bad = await charge(steppe, "KZ-ALA-1")
    await asyncio.sleep(0.3 + pricing.GIVE_UP_AFTER * 0.05)  # five attempts, then set aside
    await charge(steppe, "KZ-ALA-2")
    good = await priced(api, "KZ-ALA-2")
    assert good["total_cost"]["incl_vat"] == "1007.20"

    left = await queued(steppe)
    assert len(left) == 1  # the failing one, kept for the next start
    await asyncio.sleep(0.3)  # set aside: no more attempts, however long the worker runs
    attempts = [r for r in caplog.records if "pricing failed (attempt" in r.getMessage()]
    assert len(attempts) == pricing.GIVE_UP_AFTER
    assert any("set aside" in r.getMessage() for r in caplog.records)
    tx = (await api.get(f"/api/v1/transactions/{bad}")).json()
    assert tx["status"] == "completed" and tx["cost"] is None
