"""A viewer pricing the largest tariff the API takes cannot stall chargers: pricing runs off the
event loop within a time budget, and a tariff's size is bounded."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
from ocpp.v16 import call

from steppe.app import Steppe, running
from steppe.domain.tariffs.models import MAX_COMPONENTS, MAX_ELEMENTS
from tests.e2e.charger import connect_v16

PASSWORD = "pricing-stall-password"
TYPES = ("TIME", "PARKING_TIME", "FLAT", "ENERGY")


def largest_tariff(tariff_id: str = "huge") -> dict[str, Any]:
    """As many elements and components as allowed, each element with its own times of day,
    durations and energy bounds, so that a week-long session is cut into thousands of periods
    and every period looks at every element."""
    elements = []
    for i in range(MAX_ELEMENTS):
        start_h, start_m = divmod(i * 7 % 1440, 60)
        end_h, end_m = divmod((i * 13 + 5) % 1440, 60)
        elements.append(
            {
                "price_components": [
                    {"type": TYPES[j % 4], "price": "1.5"} for j in range(MAX_COMPONENTS)
                ],
                "restrictions": {
                    "start_time": f"{start_h:02d}:{start_m:02d}",
                    "end_time": f"{end_h:02d}:{end_m:02d}",
                    "min_kwh": str(i),
                    "max_kwh": str(i + 1000),
                    "min_duration": i * 60,
                    "max_duration": i * 600 + 1,
                },
            }
        )
    return {"id": tariff_id, "currency": "KZT", "elements": elements}


WEEK = {
    "energy_kwh": "9000",
    "duration_minutes": "10080",
    "parking_minutes": "10080",
    "time_zone": "Asia/Almaty",
    "country": "KZ",
}


async def heartbeats(app: Steppe, until: asyncio.Event) -> list[float]:
    """Round trips of a 1.6 charger's Heartbeats, one after another, until told to stop."""
    times: list[float] = []
    async with connect_v16(app.ocpp_url, "CP-HB", PASSWORD) as cp:
        await cp.call(call.BootNotification(charge_point_model="M", charge_point_vendor="V"))
        while not until.is_set():
            started = time.monotonic()
            await cp.call(call.Heartbeat())
            times.append(time.monotonic() - started)
            await asyncio.sleep(0.02)
    return times


async def test_estimates_of_the_largest_tariff_do_not_hold_heartbeats(
    make_steppe: Callable[..., Steppe], api_for: Callable[[Steppe], httpx.AsyncClient]
) -> None:
    """Two viewers ask at once for a week-long estimate of the largest tariff allowed (about
    a second of pricing each here). Meanwhile a charger's Heartbeats keep their round trip
    under a second and /health answers: the review measured 12.8 s of stall for one estimate
    when pricing ran on the event loop, and before the fix this test sees several seconds."""
    # A generous budget: this test is about the event loop, not about the budget.
    steppe = make_steppe(pricing_budget=60)
    async with running(steppe), api_for(steppe) as api:
        await estimate_during_heartbeats(steppe, api)


async def estimate_during_heartbeats(steppe: Steppe, api: httpx.AsyncClient) -> None:
    made = await api.post("/api/v1/stations", json={"id": "CP-HB", "password": PASSWORD})
    assert made.status_code == 201
    created = await api.post("/api/v1/tariffs", json=largest_tariff())
    assert created.status_code == 201, created.text
    stop = asyncio.Event()
    beats = asyncio.create_task(heartbeats(steppe, stop))
    await asyncio.sleep(0.3)
    started = time.monotonic()
    estimates = await asyncio.gather(
        *(api.post("/api/v1/tariffs/huge/estimate", json=WEEK, timeout=60) for _ in range(2))
    )
    took = time.monotonic() - started
    health = await api.get("/health")
    stop.set()
    rtts = await beats
    assert all(e.status_code == 200 for e in estimates), [e.text[:200] for e in estimates]
    assert health.status_code == 200
    assert len(rtts) > 5
    print(f"2 estimates took {took:.2f} s; heartbeat round trip max {max(rtts) * 1000:.0f} ms")
    assert max(rtts) < 1.0, max(rtts)


async def test_an_estimate_past_the_time_budget_is_refused(
    make_steppe: Callable[..., Steppe], api_for: Callable[[Steppe], httpx.AsyncClient]
) -> None:
    """With a 50 ms budget, the week-long estimate of the largest tariff answers 422 naming the
    budget, instead of running on."""
    app = make_steppe(pricing_budget=0.05)
    async with running(app), api_for(app) as api:
        assert (await api.post("/api/v1/tariffs", json=largest_tariff())).status_code == 201
        started = time.monotonic()
        refused = await api.post("/api/v1/tariffs/huge/estimate", json=WEEK, timeout=30)
        assert refused.status_code == 422, refused.text
        assert "time budget" in refused.json()["error"]["message"]
        assert time.monotonic() - started < 1.0


async def test_a_tariff_larger_than_the_bounds_is_refused(api: httpx.AsyncClient) -> None:
    """One element too many, one component too many, or eight days of the week: 422 naming the
    field; nothing is stored."""
    too_many_elements = largest_tariff("t1")
    too_many_elements["elements"].append(too_many_elements["elements"][0])
    too_many_components = largest_tariff("t2")
    too_many_components["elements"][0]["price_components"].append({"type": "FLAT", "price": 1})
    eight_days = largest_tariff("t3")
    eight_days["elements"][0]["restrictions"]["day_of_week"] = ["MONDAY"] * 8
    for body, field in (
        (too_many_elements, "elements"),
        (too_many_components, "price_components"),
        (eight_days, "day_of_week"),
    ):
        refused = await api.post("/api/v1/tariffs", json=body)
        assert refused.status_code == 422, refused.text
        assert field in refused.json()["error"]["message"]
    assert (await api.get("/api/v1/tariffs")).json()["items"] == []
