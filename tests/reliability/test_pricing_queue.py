"""A transaction whose end was stored but not yet priced when the server stopped is priced by
the next server on the same database: its place in the pricing queue is written in the same
commit as its end, by a 1.6 StopTransaction and by a 2.0.1 TransactionEvent Ended alike."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func, select

from steppe.app import Steppe, running
from steppe.storage.tables.tariffs import pricing_queue
from tests.api.test_tariffs import DAY_NIGHT, PASSWORD, charge, priced, station
from tests.e2e.charger import connect_v201
from tests.e2e.v201_steps import boot, event, register_value
from tests.reliability.test_pricing_failures import never_told


async def charge_v201(app: Steppe, station_id: str) -> None:
    """Started with the register at 100 kWh, Ended at 108 kWh."""
    async with connect_v201(app.ocpp_url, station_id, PASSWORD) as cp:
        await boot(cp)
        started = event(
            "Started",
            "TX-201",
            0,
            0,
            trigger="Authorized",
            meter=[register_value(0, 100_000, "Transaction.Begin")],
            id_token={"idToken": "TAG-KZ", "type": "ISO14443"},
            evse={"id": 1, "connectorId": 1},
        )
        await cp.call(started)
        ended = event(
            "Ended",
            "TX-201",
            1,
            90,
            trigger="EVDeparted",
            meter=[register_value(90, 108_000, "Transaction.End")],
            stoppedReason="EVDisconnected",
        )
        await cp.call(ended)


async def queued(app: Steppe) -> int:
    async with app.db.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(pricing_queue))).scalar())


async def test_an_end_stored_before_a_stop_is_priced_after_the_restart(
    make_steppe: Callable[..., Steppe],
    api_for: Callable[[Steppe], httpx.AsyncClient],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = make_steppe(database_url=database_url)
    async with running(first) as app, api_for(app) as api:  # type: ignore[attr-defined]
        await station(api)
        await api.post("/api/v1/id-tokens", json={"id_token": "TAG-KZ", "status": "Accepted"})
        assert (await api.post("/api/v1/tariffs", json=DAY_NIGHT)).status_code == 201
        await station(api, "KZ-ALA-2")
        for station_id in ("KZ-ALA-1", "KZ-ALA-2"):
            await api.put(
                f"/api/v1/stations/{station_id}/tariff", json={"tariff_id": "kz-day-night"}
            )
        # The server goes away between the stop's commit and its pricing: nothing tells the
        # pricing worker about this stop.
        never_told(monkeypatch, app)
        tx_id = await charge(app, "KZ-ALA-1")  # the stop is answered Accepted
        await charge_v201(app, "KZ-ALA-2")
        assert (await api.get("/api/v1/cdrs")).json()["items"] == []
        assert await queued(app) == 2

    second = make_steppe(database_url=database_url)
    async with running(second) as app, api_for(app) as api:  # type: ignore[attr-defined]
        cdr = await priced(api, "KZ-ALA-1")
        assert cdr["transaction_id"] == str(tx_id)
        assert cdr["total_cost"] == {"currency": "KZT", "excl_vat": "880.00", "incl_vat": "1007.20"}
        cdr_201 = await priced(api, "KZ-ALA-2")
        assert cdr_201["transaction_id"] == "TX-201" and cdr_201["total_energy_wh"] == 8000
        assert cdr_201["total_cost"]["currency"] == "KZT"
        assert await queued(app) == 0
