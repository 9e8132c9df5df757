"""Input the API used to accept and fail on later: out-of-range tariff figures, cursors past 64
bits, instants that do not exist in UTC. Each is refused with 422 naming the field; none
answers 500, and a session whose tariff cannot price it ends with a visible, settled state."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import update

from steppe.app import Steppe, running
from steppe.storage.tables.tariffs import tariffs as tariffs_table
from tests.api.test_tariffs import DAY_NIGHT, charge, station

NOWHERE = "0001-01-01T00:00:00+14:00"  # a day before the first day in UTC


def with_component(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(DAY_NIGHT)
    body["elements"][2]["price_components"][0].update(changes)
    return body


def with_restrictions(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(DAY_NIGHT)
    body["elements"][1]["restrictions"].update(changes)
    return body


async def test_tariff_figures_out_of_range_are_refused(api: httpx.AsyncClient) -> None:
    """A price of 1E+400, a max_duration of 10^12 s, a step_size of 10^30 and a start in year 1
    east of UTC are each refused with 422 naming the field."""
    cases = [
        (with_component(price="1E+400"), "price"),
        (with_component(price=1e300), "price"),
        (with_component(step_size=10**30), "step_size"),
        (with_restrictions(max_duration=10**12), "max_duration"),
        (with_restrictions(max_kwh="1E+50"), "max_kwh"),
        ({**DAY_NIGHT, "start_date_time": NOWHERE}, "start_date_time"),
        ({**DAY_NIGHT, "min_price": {"excl_vat": "1E+400"}}, "excl_vat"),
    ]
    for body, field in cases:
        refused = await api.post("/api/v1/tariffs", json=body)
        assert refused.status_code == 422, (field, refused.text)
        assert field in refused.json()["error"]["message"], (field, refused.text)
    assert (await api.get("/api/v1/tariffs")).json()["items"] == []


async def test_cursors_dates_and_numbers_past_every_range_answer_422(
    api: httpx.AsyncClient,
) -> None:
    """Cursors of 2^70 or in other scripts' digits, instants that do not exist in UTC and ids
    past 32 bits: 422 each, never 500."""
    await station(api)
    huge = str(2**70)
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/api/v1/transactions", {"params": {"cursor": huge}}),
        ("GET", "/api/v1/transactions", {"params": {"cursor": "²"}}),
        ("GET", "/api/v1/cdrs", {"params": {"cursor": huge}}),
        ("GET", "/api/v1/cdrs", {"params": {"from": NOWHERE}}),
        ("GET", "/api/v1/stations/KZ-ALA-1/device-model", {"params": {"cursor": huge}}),
        ("GET", "/api/v1/audit", {"params": {"before": huge}}),
        ("GET", "/api/v1/audit", {"params": {"since": NOWHERE}}),
        ("GET", "/api/v1/transactions", {"params": {"started_from": NOWHERE}}),
        ("GET", "/api/v1/stations/KZ-ALA-1/security-events", {"params": {"before": huge}}),
        ("GET", "/api/v1/stations/KZ-ALA-1/tariff", {"params": {"at": NOWHERE}}),
        ("GET", "/api/v1/stations/KZ-ALA-1/tariff", {"params": {"evse_id": huge}}),
        ("POST", "/api/v1/id-tokens", {"json": {"id_token": "T1", "expires_at": NOWHERE}}),
        (
            "PUT",
            "/api/v1/stations/KZ-ALA-1/connectors",
            {"json": {"connectors": [{"evse_id": 2**40, "standard": "CCS2", "format": "cable",
                                      "max_power_kw": 50}]}},
        ),
        (
            "POST",
            "/api/v1/stations/KZ-ALA-1/commands/reserve-now",
            {"json": {"id_token": "T", "expires_at": NOWHERE, "reservation_id": 1,
                      "connector_id": 1}},
        ),
        (
            "POST",
            "/api/v1/stations/KZ-ALA-1/commands/cancel-reservation",
            {"json": {"reservation_id": 2**70}},
        ),
    ]  # fmt: skip
    for method, path, kwargs in requests:
        response = await api.request(method, path, **kwargs)
        assert response.status_code == 422, (path, kwargs, response.text)
        assert response.json()["error"]["code"] in ("invalid_request", "invalid_input")


async def test_a_session_its_tariff_cannot_price_ends_failed_and_visible(
    make_steppe: Callable[..., Steppe], api_for: Callable[[Steppe], httpx.AsyncClient]
) -> None:
    """A tariff stored before the bounds existed (a step of 10^30 Wh): the session's stop is
    answered, pricing fails once and gives up, the transaction shows `pricing: failed` with the
    reason and is not tried again by itself; asking for its CDR answers 422, not 500."""
    app = make_steppe()
    async with running(app), api_for(app) as api:
        await station(api)
        await api.post("/api/v1/id-tokens", json={"id_token": "TAG-KZ", "status": "Accepted"})
        assert (await api.post("/api/v1/tariffs", json=DAY_NIGHT)).status_code == 201
        assigned = await api.put(
            "/api/v1/stations/KZ-ALA-1/tariff", json={"tariff_id": "kz-day-night"}
        )
        assert assigned.status_code == 200
        stored = copy.deepcopy(DAY_NIGHT)
        stored["elements"][2]["price_components"][0]["step_size"] = 10**30
        import json

        async with app.db.begin() as conn:
            await conn.execute(update(tariffs_table).values(body=json.dumps(stored)))

        tx_id = await charge(app, "KZ-ALA-1")
        tx: dict[str, Any] = {}
        async with asyncio.timeout(10):
            while (tx.get("pricing") or {}).get("status") != "failed":
                tx = (await api.get(f"/api/v1/transactions/{tx_id}")).json()
                await asyncio.sleep(0.05)
        assert tx["cost"] is None
        assert "step_size" in tx["pricing"]["last_error"]
        assert tx["pricing"]["attempts"] == 1 and tx["pricing"]["next_attempt_at"] is None
        await asyncio.sleep(1.5)  # past the first retry delay: nothing tries it again
        again = (await api.get(f"/api/v1/transactions/{tx_id}")).json()
        assert again["pricing"]["attempts"] == 1
        asked = await api.post("/api/v1/cdrs", json={"transaction_id": str(tx_id)})
        assert asked.status_code == 422, asked.text
        assert "step_size" in asked.json()["error"]["message"]
