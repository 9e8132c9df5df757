"""Durable mode: a simulated charger keeps each message until the server acknowledges it, through
cut and silent links, and its ledger of acknowledgements matches what the server stored."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime
from urllib.parse import urlsplit

import httpx
import pytest

from steppe.app import Steppe
from steppe.simulator import Fleet, Ledger
from steppe.simulator.launcher import FleetOptions, register
from tests.conftest import ADMIN_TOKEN
from tests.reliability.proxy import TcpProxy

ENERGY = "Energy.Active.Import.Register"


@pytest.fixture
async def proxy(steppe: Steppe) -> AsyncIterator[TcpProxy]:
    """A TCP proxy in front of Steppe's OCPP port that the test can cut and stall."""
    port = urlsplit(steppe.ocpp_url).port
    assert port is not None
    proxy = TcpProxy("127.0.0.1", port)
    await proxy.start()
    yield proxy
    await proxy.close()


async def fleet_through(
    proxy: TcpProxy, steppe: Steppe, *, durable: bool, ledger: Ledger | None = None
) -> Fleet:
    """A 1.6 and a 2.0.1 charger, short sessions back to back, connecting through the proxy."""
    url = f"ws://127.0.0.1:{proxy.port}/ocpp"
    options = FleetOptions(url=url, stations=2, password="durable-password-1", durable=durable)
    await register(options, steppe.http_url, ADMIN_TOKEN)
    profiles = [
        dataclasses.replace(
            profile,
            ocpp_version=version,
            connectors=1,
            idle_seconds=(0.01, 0.03),
            session_seconds=(0.3, 0.3),
            meter_interval=0.05,
            time_scale=60.0,  # a reading every 3 charging seconds: energy rises
            open_timeout=0.5,
            call_timeout=0.5,
        )
        for profile, version in zip(options.profiles(), ("1.6", "2.0.1"), strict=True)
    ]
    assert all(p.durable is durable for p in profiles)
    return Fleet(url, profiles, stagger=0.0, ledger=ledger)


async def progress(fleet: Fleet, messages: int = 10) -> None:
    """Wait until the fleet has `messages` more answers."""
    target = fleet.answered + messages
    async with asyncio.timeout(10):
        while fleet.answered < target:
            await asyncio.sleep(0.01)


async def test_a_durable_fleet_resends_through_cut_and_silent_links_and_loses_nothing(
    steppe: Steppe, api: httpx.AsyncClient, proxy: TcpProxy
) -> None:
    """Links cut three times and stalled once mid-session: the chargers reconnect, boot and
    resend; every transaction, reading and stop they were answered for is stored, once."""
    ledger = Ledger()
    fleet = await fleet_through(proxy, steppe, durable=True, ledger=ledger)
    running = asyncio.create_task(fleet.run())
    try:
        for _ in range(3):
            await progress(fleet)
            await proxy.cut()
            await asyncio.sleep(0.2)
            await proxy.resume()
        await progress(fleet)
        proxy.stall()  # nothing answers: each call times out, the link is dropped and reopened
        await asyncio.sleep(1.2)
        proxy.flow()
        await progress(fleet, 30)
        fleet.stop()
        async with asyncio.timeout(10):
            report = await running
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)

    assert report.failed == 0, report.errors
    assert report.resends > 0
    assert proxy.connections > 2 * 4  # each charger came back after every cut and the stall
    assert ledger.stops, "no session was completed"
    assert report.energy_wh > 0

    page = (await api.get("/api/v1/transactions", params={"limit": 500})).json()
    stored = {tx["id"]: tx for tx in page["items"]}
    assert set(stored) == set(ledger.starts)  # no transaction lost, none started twice
    for tx_id, station_id in ledger.starts.items():
        tx = stored[tx_id]
        assert tx["station_id"] == station_id
        assert tx["meter_start_wh"] == ledger.meter_start[tx_id]
        if tx_id in ledger.stops:
            assert tx["status"] == "completed"
            assert tx["energy_wh"] == ledger.stops[tx_id] - ledger.meter_start[tx_id]
        detail = (await api.get(f"/api/v1/transactions/{tx_id}")).json()
        times = [
            datetime.fromisoformat(s["timestamp"])
            for s in detail["meter_values"]
            if s["measurand"] == ENERGY
        ]
        # Each acknowledged reading once (a resend is not stored twice), none the ledger lacks.
        assert sorted(times) == sorted(ledger.samples[tx_id])


async def test_without_durable_mode_a_cut_link_ends_the_charger(
    steppe: Steppe, proxy: TcpProxy
) -> None:
    """The same cut with durable mode off: the chargers stop with the lost connection."""
    fleet = await fleet_through(proxy, steppe, durable=False)
    running = asyncio.create_task(fleet.run())
    try:
        await progress(fleet)
        await proxy.cut()
        async with asyncio.timeout(10):
            report = await running
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    assert report.failed == 2
    assert report.resends == 0
    assert all("ConnectionError" in error for error in report.errors[-2:]), report.errors
