"""The simulated chargers of one worker process and what they do in each mode of a load run.

Each is the simulator's `Charger` on its lean link (`steppe.simulator.lean`), driven step by step:
OCPP 1.6, one connector, a MeterValues carrying one energy reading that rises by 10 Wh per
message, and nothing in its boot but vendor and model.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from typing import Literal

from bench.histogram import Histogram
from bench.tally import ChargerReport, Tally, failed
from steppe.simulator import Charger, ChargerProfile

Mode = Literal["closed", "paced", "idle", "cycle"]
ENERGY_STEP_WH = 10
CONNECTOR = 1
STEP_ACTIONS = {
    "boot": "BootNotification",
    "heartbeat": "Heartbeat",
    "meter": "MeterValues",
    "start": "StartTransaction",
    "stop": "StopTransaction",
}


@dataclass(frozen=True)
class Plan:
    """What every charger of a run does, and where it connects."""

    url: str  # ws://host:port/ocpp; the station id is appended
    password: str
    id_tag: str
    mode: Mode = "closed"
    rate: float = 0.0  # paced: messages per second across the whole fleet
    heartbeat_s: float = 30.0  # idle and cycle
    open_timeout: float = 60.0
    call_timeout: float = 60.0
    tick_s: float = 0.0  # cycle: send a tally to the parent this often (0: never)
    meter_interval_s: float = 1.0  # cycle: pause between meter values in a session
    meters_per_session: int = 20  # cycle
    reconnect_chance: float = 0.05  # cycle: chance a charger drops and reconnects after a session


def profile(plan: Plan, station_id: str) -> ChargerProfile:
    """A load run's charger: what it sends, on the lean link, with the plan's timeouts."""
    return ChargerProfile(
        station_id=station_id,
        password=plan.password,
        ocpp_version="1.6",
        connectors=1,
        id_tokens=(plan.id_tag,),
        vendor="Steppe-Bench",
        model="LoadGen-1",
        firmware_version=None,
        report_serial=False,
        report_power=False,
        meter_start_wh=0,
        transport="lean",
        open_timeout=plan.open_timeout,
        call_timeout=plan.call_timeout,
    )


def report(charger: Charger) -> ChargerReport:
    tx = charger.sessions.get(CONNECTOR)
    if tx is None:
        return (charger.profile.station_id, None, charger.meter_wh, charger.readings_acked)
    return (charger.profile.station_id, tx.tx_id, tx.meter_wh, charger.readings_acked)


class Fleet:
    """The chargers one worker process drives."""

    def __init__(self, plan: Plan, station_ids: list[str], total_chargers: int) -> None:
        self.plan = plan
        self.total = total_chargers
        self.tally = Tally()
        self.chargers = [Charger(profile(plan, sid), plan.url) for sid in station_ids]
        for charger in self.chargers:
            charger.stats = self.tally
        self._background: list[asyncio.Task[None]] = []

    def take_tally(self, *, with_chargers: bool = False) -> Tally:
        """The tally so far; counting starts afresh."""
        tally, self.tally = self.tally, Tally()
        for charger in self.chargers:
            charger.stats = self.tally
        if with_chargers:
            tally.chargers = [report(c) for c in self.chargers]
        return tally

    async def _call(self, charger: Charger, step: str) -> bool:
        """Run one step (each call has the plan's timeout, opening the connection its own);
        False, and counted, when it fails."""
        try:
            if step == "meter":
                tx = charger.sessions[CONNECTOR]
                tx.meter_wh += ENERGY_STEP_WH
                await charger.meter(tx)
            elif step == "connect":
                await charger.connect()
            elif step == "boot":
                status = await charger.boot()
                if status != "Accepted":
                    return self._refused(charger, f"boot {status}")
            elif step == "heartbeat":
                await charger.heartbeat()
            elif step == "start":
                tx = await charger.start_transaction(CONNECTOR, self.plan.id_tag)
                if not tx.accepted:
                    del charger.sessions[CONNECTOR]
                    return self._refused(charger, "start: id tag not accepted")
            elif step == "stop":
                await charger.stop_transaction(charger.sessions[CONNECTOR], "Local")
            else:
                await charger.status(CONNECTOR, step)
        except Exception as exc:
            failed(self.tally, charger.profile.station_id, exc)
            return False
        return True

    def _refused(self, charger: Charger, what: str) -> bool:
        self.tally.failures += 1
        self.tally.note_error(f"{charger.profile.station_id} {what}")
        return False

    async def _prepare(self, charger: Charger, at: float) -> None:
        await asyncio.sleep(max(0.0, at - time.time()))
        steps = ["connect", "boot", "Available"]
        if self.plan.mode in ("closed", "paced"):
            steps += ["start", "Charging"]
        for step in steps:
            if not await self._call(charger, step):
                await charger.close()
                return
            if step == "boot":
                now = time.time()
                tally = self.tally
                tally.booted += 1
                tally.first_boot_at = min(tally.first_boot_at or now, now)
                tally.last_boot_at = max(tally.last_boot_at, now)
                tally.latency.record(now - at)  # connect and boot, from the common start

    async def setup(self, at: float) -> None:
        """Connect, boot and (for load modes) start a transaction, all chargers at once at `at`."""
        await asyncio.gather(*(self._prepare(c, at) for c in self.chargers))
        if self.plan.mode == "idle":
            for charger in self.chargers:
                if charger.link is not None:
                    self._background.append(asyncio.create_task(self._heartbeats(charger)))

    async def _heartbeats(self, charger: Charger) -> None:
        await asyncio.sleep(random.uniform(0, self.plan.heartbeat_s))
        while charger.link is not None:
            if not await self._call(charger, "heartbeat"):
                return
            await asyncio.sleep(self.plan.heartbeat_s)

    async def run(self, start: float, end: float) -> None:
        """Drive the live chargers until `end`; answers inside [start, end) are measured."""
        live = [c for c in self.chargers if c.link is not None]
        if self.plan.mode == "closed":
            await asyncio.gather(*(self._closed(c, start, end) for c in live))
        elif self.plan.mode == "paced":
            await asyncio.gather(*(self._paced(c, start, end) for c in live))
        elif self.plan.mode == "cycle":
            await asyncio.gather(*(self._cycles(c, start, end) for c in live))

    async def _closed(self, charger: Charger, start: float, end: float) -> None:
        now = time.time()
        while now < end:
            sent = time.perf_counter()
            if not await self._call(charger, "meter"):
                return
            latency = time.perf_counter() - sent
            now = time.time()
            if start <= now < end:
                tally = self.tally
                tally.measured += 1
                tally.latency.record(latency)

    async def _paced(self, charger: Charger, start: float, end: float) -> None:
        """Send at a fixed pace; latency counts from the planned send time (no coordinated
        omission: a late answer also delays and charges the calls queued behind it)."""
        interval = self.total / self.plan.rate
        due = time.time() + random.uniform(0, interval)
        while due < end:
            await asyncio.sleep(max(0.0, due - time.time()))
            if not await self._call(charger, "meter"):
                return
            now = time.time()
            if start <= due and now < end:
                tally = self.tally
                tally.measured += 1
                tally.latency.record(now - due)
            due += interval

    async def _cycles(self, charger: Charger, start: float, end: float) -> None:
        """Full charge sessions with heartbeats between them, and now and then a reconnect."""
        plan = self.plan
        await asyncio.sleep(random.uniform(0, plan.meter_interval_s * 2))
        while time.time() < end:
            if charger.link is None and not await self._reconnect(charger):
                await asyncio.sleep(plan.heartbeat_s)
                continue
            for step in ("Preparing", "start", "Charging"):
                if not await self._timed(charger, step, start, end):
                    break
            else:
                for _ in range(plan.meters_per_session):
                    await asyncio.sleep(plan.meter_interval_s)
                    if time.time() >= end or not await self._timed(charger, "meter", start, end):
                        break
                if CONNECTOR in charger.sessions:
                    await self._timed(charger, "stop", start, end)
                await self._timed(charger, "Available", start, end)
                await asyncio.sleep(plan.meter_interval_s)
                await self._timed(charger, "heartbeat", start, end)
            if charger.link is None or random.random() < plan.reconnect_chance:
                await charger.close()
                await asyncio.sleep(random.uniform(0.5, 2.0))

    async def _timed(self, charger: Charger, step: str, start: float, end: float) -> bool:
        sent = time.perf_counter()
        ok = await self._call(charger, step)
        if ok and start <= time.time() < end:
            latency = time.perf_counter() - sent
            tally = self.tally
            tally.measured += 1
            tally.latency.record(latency)
            action = STEP_ACTIONS.get(step, "StatusNotification")  # the other steps are statuses
            tally.action_latency.setdefault(action, Histogram()).record(latency)
        if not ok:
            await charger.close()
        return ok

    async def _reconnect(self, charger: Charger) -> bool:
        charger.sessions.clear()  # a new connection starts a new transaction
        for step in ("connect", "boot", "Available"):
            if not await self._call(charger, step):
                await charger.close()
                return False
        return True

    async def close(self, timeout: float = 30.0) -> None:
        """Stop the background calls and close every socket; abort what lingers."""
        for task in self._background:
            task.cancel()
        links = [c.link for c in self.chargers if c.link is not None]
        try:
            async with asyncio.timeout(timeout):
                await asyncio.gather(*self._background, return_exceptions=True)
                await asyncio.gather(*(c.close() for c in self.chargers))
        except TimeoutError:
            self.tally.note_error(f"closing took over {timeout:.0f} s: sockets aborted")
            for link in links:
                link.abort()
        self._background.clear()
