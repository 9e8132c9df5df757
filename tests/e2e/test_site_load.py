"""Three chargers Steppe did not write (the `ocpp` library's 1.6 ChargePoint, on real sockets)
share a 32 A three-phase site: the limits they receive never add up to more than 32 A per phase,
each car charges at 6 A or more or is paused, and when a car leaves the others get its share at
once, before the next periodic allocation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action

from steppe.app import Steppe, running
from tests.api.commands_helpers import PASSWORD, register
from tests.e2e.charger import connect_v16

SITE_LIMIT = Decimal(32)
STATIONS = ("SITE-A", "SITE-B", "SITE-C")
TAG = "SITE-TAG"
# Longer than any wait below: a limit that rises in this test was sent by the round the event
# started, not by the periodic one.
INTERVAL = 30.0


class Limits:
    """What each charger may draw: the last limit it received for its running transaction, or
    else its default (TxDefaultProfile), at which a car starts or would start. Checked at every
    receipt, start and stop: the sum per phase is within the site's limit, and every limit is 0
    (paused) or at least the minimum."""

    def __init__(self, minimum: Decimal) -> None:
        self.minimum = minimum
        self.held: dict[str, Decimal] = {}  # TxProfile limits of running transactions
        self.defaults: dict[str, Decimal] = {}
        self.changed = asyncio.Condition()
        self.sums: list[Decimal] = []

    def _check(self) -> None:
        drawn = {s: self.held.get(s, self.defaults.get(s, Decimal(0))) for s in STATIONS}
        total = sum(drawn.values(), Decimal(0))
        self.sums.append(total)
        assert total <= SITE_LIMIT, f"{drawn} adds up to {total} A per phase"

    async def receive(self, station_id: str, limit: Decimal) -> None:
        async with self.changed:
            self.held[station_id] = limit
            assert limit == 0 or limit >= self.minimum, f"{station_id} given {limit} A"
            self._check()
            self.changed.notify_all()

    async def default(self, station_id: str, limit: Decimal) -> None:
        async with self.changed:
            self.defaults[station_id] = limit
            assert limit == 0 or limit >= 6, f"{station_id} defaults to {limit} A"
            self._check()
            self.changed.notify_all()

    async def ended(self, station_id: str) -> None:
        async with self.changed:
            self.held.pop(station_id, None)  # a TxProfile ends with its transaction
            self._check()

    async def until(
        self, check: Callable[[dict[str, Decimal]], bool], *, defaults: bool = False
    ) -> dict[str, Decimal]:
        watched = self.defaults if defaults else self.held
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: check(watched)), 10)
            return dict(watched)


class Obeying16(ChargePoint):
    """Accepts charging profiles and reports each limit to the shared ledger: a TxProfile on
    connector 1 for its transaction, a TxDefaultProfile on connector 0 for the next one."""

    limits: Limits

    @on(Action.set_charging_profile)
    async def set_profile(
        self, connector_id: int, cs_charging_profiles: dict[str, Any]
    ) -> call_result.SetChargingProfile:
        schedule = cs_charging_profiles["charging_schedule"]
        assert schedule["charging_rate_unit"] == "A"
        limit = Decimal(str(schedule["charging_schedule_period"][0]["limit"]))
        if cs_charging_profiles["charging_profile_purpose"] == "TxDefaultProfile":
            assert connector_id == 0
            await self.limits.default(self.id, limit)
        else:
            assert cs_charging_profiles["charging_profile_purpose"] == "TxProfile"
            assert connector_id == 1 and "transaction_id" in cs_charging_profiles
            await self.limits.receive(self.id, limit)
        return call_result.SetChargingProfile(status="Accepted")


def now() -> str:
    return datetime.now(UTC).isoformat()


@pytest.fixture
async def steppe(make_steppe: Callable[..., Steppe]) -> AsyncIterator[Steppe]:
    async with running(make_steppe(site_allocation_interval=INTERVAL)) as app:
        yield app


async def _chargers(steppe: Steppe, stack: AsyncExitStack, limits: Limits) -> dict[str, Obeying16]:
    chargers: dict[str, Obeying16] = {}
    for station_id in STATIONS:
        cp = await stack.enter_async_context(
            connect_v16(steppe.ocpp_url, station_id, PASSWORD, cls=Obeying16)
        )
        cp.limits = limits
        boot = await cp.call(
            call.BootNotification(charge_point_model="AC22", charge_point_vendor="T")
        )
        assert boot.status == "Accepted"
        chargers[station_id] = cp
    return chargers


async def _start(cp: Obeying16) -> int:
    start = await cp.call(
        call.StartTransaction(connector_id=1, id_tag=TAG, meter_start=0, timestamp=now())
    )
    assert start.id_tag_info["status"] == "Accepted"
    return int(start.transaction_id)


async def _stop(cp: Obeying16, tx_id: int, limits: Limits) -> None:
    await limits.ended(cp.id)
    await cp.call(call.StopTransaction(meter_stop=1000, timestamp=now(), transaction_id=tx_id))


@asynccontextmanager
async def _on_site(
    steppe: Steppe, api: httpx.AsyncClient, minimum: Decimal, **extra: object
) -> AsyncIterator[tuple[Limits, Obeying16, Obeying16, Obeying16]]:
    """The three stations registered, the 32 A site put, the three chargers booted."""
    await register(api, *STATIONS)
    await api.post("/api/v1/id-tokens", json={"id_token": TAG, "status": "Accepted"})
    body = {"max_current_a": "32", "phases": 3, "station_ids": list(STATIONS), **extra}
    answer = await api.put("/api/v1/sites/almaty-32", json=body)
    assert answer.status_code == 201, answer.text
    limits = Limits(minimum)
    async with AsyncExitStack() as stack:
        cps = await _chargers(steppe, stack, limits)
        yield limits, cps[STATIONS[0]], cps[STATIONS[1]], cps[STATIONS[2]]


async def test_three_chargers_share_32_amps_and_a_leaving_car_frees_its_share(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Three cars arrive one by one: 32 A, then 16 A each, then 10.6 A each, never more than
    32 A in all; when one leaves, the other two rise to 16 A at once."""
    async with _on_site(steppe, api, Decimal(6)) as (limits, a, b, c):
        share = Decimal("10.6")
        idle = dict.fromkeys(STATIONS, share)  # a car arriving at any of them fits
        assert await limits.until(lambda d: d == idle, defaults=True) == idle
        tx_a = await _start(a)
        assert await limits.until(lambda h: h.get(a.id) == 32) == {a.id: 32}
        # nothing is left for a car arriving now: it waits for its own limit
        assert await limits.until(lambda d: d[b.id] == d[c.id] == 0, defaults=True)
        tx_b = await _start(b)
        assert await limits.until(lambda h: h.get(b.id) == 16) == {a.id: 16, b.id: 16}
        tx_c = await _start(c)
        everyone = {a.id: share, b.id: share, c.id: share}
        assert await limits.until(lambda h: h == everyone) == everyone

        site = (await api.get("/api/v1/sites/almaty-32")).json()
        assert [e["limit_a"] for e in site["allocations"]] == ["10.6"] * 3
        assert all(load["planned_a"] == ["31.8"] * 3 for load in site["circuit_loads"])

        await _stop(c, tx_c, limits)
        raised = await limits.until(lambda h: h.get(a.id) == 16 and h.get(b.id) == 16)
        assert raised == {a.id: 16, b.id: 16}
        await _stop(a, tx_a, limits)
        assert await limits.until(lambda h: h.get(b.id) == 32) == {b.id: 32}
        await _stop(b, tx_b, limits)
        assert await limits.until(lambda d: d == idle, defaults=True) == idle
    assert max(limits.sums) <= SITE_LIMIT
    profiles = (await api.get("/api/v1/stations/SITE-A/charging-profiles")).json()
    # its TxProfiles went with its transaction; its default stays, as accepted
    assert [(p["purpose"], p["status"], p["evse_id"]) for p in profiles] == [
        ("TxDefaultProfile", "Accepted", 0)
    ]


async def test_a_car_that_cannot_get_its_minimum_is_paused_and_resumed_when_room_returns(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """With 12 A as the minimum, two cars fit on 32 A and the third is paused at 0 A; when one
    of the charging cars leaves, the paused one resumes."""
    async with _on_site(steppe, api, Decimal(12), min_current_a="12") as (limits, a, b, c):
        await limits.until(lambda d: len(d) == 3, defaults=True)
        tx_a = await _start(a)
        await limits.until(lambda h: h.get(a.id) == 32)
        await _start(b)
        await limits.until(lambda h: h.get(b.id) == 16)
        await _start(c)
        held = await limits.until(lambda h: h.get(c.id) == 0)
        assert held == {a.id: 16, b.id: 16, c.id: 0}
        site = (await api.get("/api/v1/sites/almaty-32")).json()
        paused = next(e for e in site["allocations"] if e["station_id"] == c.id)
        assert paused["state"] == "paused" and paused["reason"] == "no_room"

        await _stop(a, tx_a, limits)
        held = await limits.until(lambda h: h.get(c.id) == 16)
        assert held == {b.id: 16, c.id: 16}
    assert max(limits.sums) <= SITE_LIMIT


async def test_a_full_car_keeps_its_minimum_and_leaves_the_rest_to_the_other(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Two cars share 32 A at 16 A each; when one says SuspendedEV (full), it keeps 6 A and the
    other rises to 26 A; when it charges again, they share equally again."""
    async with _on_site(steppe, api, Decimal(6)) as (limits, a, b, _):
        await limits.until(lambda d: len(d) == 3, defaults=True)
        await _start(a)
        await limits.until(lambda h: h.get(a.id) == 32)
        await _start(b)
        assert await limits.until(lambda h: h.get(b.id) == 16) == {a.id: 16, b.id: 16}

        async def status(cp: Obeying16, value: str) -> None:
            await cp.call(
                call.StatusNotification(connector_id=1, error_code="NoError", status=value)
            )

        await status(a, "SuspendedEV")
        assert await limits.until(lambda h: h.get(b.id) == 26) == {a.id: 6, b.id: 26}
        await status(a, "Charging")
        assert await limits.until(lambda h: h.get(a.id) == 16) == {a.id: 16, b.id: 16}
    assert max(limits.sums) <= SITE_LIMIT
