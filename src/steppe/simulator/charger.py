"""A simulated charger: boots, reports status, and charges cars in realistic sessions.

Its steps (`connect`, `boot`, `status`, `authorize`, `start_transaction`, `meter`,
`stop_transaction`, `heartbeat`) can be driven one by one, as the load generator does, or `run()`
lives a charger's life: a session is plug in (Preparing), Authorize, start, meter values every
`meter_interval` seconds at the profile's power, stop (EVDisconnected, or Remote when the server
asks), back to Available. The server's own calls are answered the way a well-behaved charger
answers them (`answers.py`); a remote start begins a session with the id token it names.

In durable mode (`ChargerProfile.durable`) every message is kept until the server acknowledges
it, through lost links and restarts of the server; with a `Ledger` the charger writes down every
transaction fact the server acknowledged, for a durability check to compare with the database.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from steppe.errors import SteppeError
from steppe.simulator.answers import answer as answer_as_charger
from steppe.simulator.clock import WallClock
from steppe.simulator.dialects import DIALECTS, VOLTS, SessionState
from steppe.simulator.lean import LeanLink
from steppe.simulator.ledger import Ledger
from steppe.simulator.limits import ChargingLimits
from steppe.simulator.link import CallRefused, Link, Transport
from steppe.simulator.profile import ChargerProfile
from steppe.simulator.site_meter import SiteMeter
from steppe.simulator.stats import ChargerStats

if TYPE_CHECKING:
    from steppe.simulator.car import CarSession

log = logging.getLogger("steppe.simulator")


class ChargerStopped(SteppeError):
    """The charger was asked to stop (`Charger.stop()`) and sends no new message."""


class Charger:
    """One simulated charger on one connection at a time."""

    def __init__(
        self,
        profile: ChargerProfile,
        url: str,
        *,
        ssl_context: ssl.SSLContext | None = None,
        ledger: Ledger | None = None,
        clock: WallClock | None = None,
        site_meter: SiteMeter | None = None,
    ) -> None:
        self.profile = profile
        self.url = url
        self.ssl_context = ssl_context
        self.ledger = ledger
        self.dialect = DIALECTS[profile.ocpp_version](
            power=profile.report_power, clock=clock, currents=profile.report_currents
        )
        self.site_meter = site_meter
        self.stats = ChargerStats()
        self.rng = random.Random(profile.seed if profile.seed is not None else profile.station_id)
        start_wh = profile.meter_start_wh
        self.meter_wh = self.rng.randrange(0, 5_000_000) if start_wh is None else start_wh
        self.sessions: dict[int, SessionState] = {}
        self.stop_requests: dict[int, asyncio.Event] = {}
        self.remote_starts: asyncio.Queue[tuple[str, int | None, int | None]] = asyncio.Queue()
        # The charging profiles the server sent: per connector, and 0 for the whole station.
        self.limits = ChargingLimits()
        self.cars: dict[int, CarSession] = {}  # the car on each connector, with `vehicles`
        self.configuration: dict[str, str] = {
            "HeartbeatInterval": "300",
            "MeterValueSampleInterval": "10",
        }
        self.link: Transport | None = None
        self.heartbeat_interval = 300.0
        self.in_flight = False  # a message sent and not yet answered
        self.readings_acked = 0  # meter values messages answered over the charger's life
        self._sequence = 0  # message ids: never reused, not even on a new connection
        self._call_timeout = profile.call_timeout
        self._stopping = False
        self._opening = asyncio.Lock()
        self._send: Callable[[str, dict[str, Any]], Awaitable[Any]] = (
            self._deliver if profile.durable else self._call
        )

    # -- the connection ---------------------------------------------------------------------------

    async def connect(self) -> None:
        """Open a connection (no boot); ConnectionError when the server refuses it."""
        p = self.profile
        if p.transport == "lean":
            self.link = await LeanLink.open(
                self.url,
                p.station_id,
                p.password,
                self.dialect.subprotocol,
                self._on_server_call,
                open_timeout=p.open_timeout,
            )
        else:
            self.link = await Link.open(
                self.url,
                p.station_id,
                p.password,
                self.dialect.subprotocol,
                self._on_server_call,
                ssl_context=self.ssl_context,
                open_timeout=p.open_timeout,
            )

    async def close(self, timeout: float = 10.0) -> None:
        """Close the connection cleanly; drop it when that takes longer than `timeout`."""
        link, self.link = self.link, None
        if link is None:
            return
        try:
            async with asyncio.timeout(timeout):
                await link.close()
        except (OSError, TimeoutError):
            link.abort()

    def abort(self) -> None:
        """Drop the connection at once."""
        link, self.link = self.link, None
        if link is not None:
            link.abort()

    def stop(self) -> None:
        """Send no new message. A message already sent is finished first (in durable mode: until
        it is acknowledged), so every message the server may have stored is in the ledger."""
        self._stopping = True
        for event in self.stop_requests.values():
            event.set()

    def _check_stop(self) -> None:
        if self._stopping:
            raise ChargerStopped(self.profile.station_id)

    # -- sending ----------------------------------------------------------------------------------

    async def _call(self, action: str, payload: dict[str, Any]) -> Any:
        """One CALL on the current connection, counted; CallRefused on a CALLERROR.

        The timeout is a scope on the caller's task, not a task per call (as `asyncio.wait_for`
        makes one on this Python): in a load run, the charger's CPU is CPU the server under test
        does not get."""
        link = self.link
        if link is None:
            raise ConnectionError("not connected")
        self._sequence += 1
        stats = self.stats
        stats.sent += 1
        self.in_flight = True
        try:
            async with asyncio.timeout(self._call_timeout):
                answer = await link.call(str(self._sequence), action, payload)
        except CallRefused as exc:
            stats.refused += 1
            stats.note_error(f"{self.profile.station_id} {exc}")
            raise
        finally:
            self.in_flight = False
        stats.answered += 1
        per_action = stats.per_action
        per_action[action] = per_action.get(action, 0) + 1
        return answer

    async def _deliver(self, action: str, payload: dict[str, Any]) -> Any:
        """Durable mode: send until acknowledged, with a new message id each time (as many
        chargers do). A lost or silent link is dropped, opened again (with a boot) and the
        message resent; a CALLERROR is followed by a resend, up to `message_attempts` in all."""
        self._check_stop()
        p = self.profile
        refused = attempt = 0
        while True:
            if attempt:
                self.stats.resends += 1
                await asyncio.sleep(self.rng.uniform(*p.retry_seconds))
            attempt += 1
            link = self.link
            try:
                if link is None:
                    link = await self._reopen()
                return await self._call(action, payload)
            except CallRefused:
                refused += 1
                if refused >= p.message_attempts:
                    raise
            except (OSError, TimeoutError):
                if link is not None and self.link is link:
                    self.abort()

    async def _reopen(self) -> Transport:
        """Connect and boot (once, however many tasks find the link gone)."""
        async with self._opening:
            if self.link is None:
                await self.connect()
                try:
                    await self._boot_until_accepted()
                except BaseException:
                    self.abort()
                    raise
            assert self.link is not None
            return self.link

    async def _on_server_call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.stats.server_calls += 1
        return answer_as_charger(self, action, payload)

    # -- the charger's steps ----------------------------------------------------------------------

    async def boot(self) -> str:
        """BootNotification on the current connection; the server's status (`Accepted`, ...)."""
        p = self.profile
        serial = p.station_id if p.report_serial else None
        answer = await self._call(*self.dialect.boot(p.vendor, p.model, serial, p.firmware_version))
        self.heartbeat_interval = float(answer.get("interval") or 300)
        return str(answer.get("status"))

    async def _boot_until_accepted(self) -> None:
        while (status := await self.boot()) != "Accepted":
            log.info("[%s] boot %s; retrying", self.profile.station_id, status)
            await asyncio.sleep(min(max(self.heartbeat_interval, 1.0), 30.0))

    async def status(self, connector: int, status: str) -> None:
        """StatusNotification in 1.6 words (Preparing, Charging, ...), mapped for 2.0.1."""
        await self._send(*self.dialect.status(connector, status))

    async def heartbeat(self) -> None:
        await self._send("Heartbeat", {})

    async def authorize(self, id_token: str) -> bool:
        d = self.dialect
        return d.token_status(await self._send(*d.authorize(id_token))) == "Accepted"

    async def start_transaction(
        self, connector: int, id_token: str, *, remote_start_id: int | None = None
    ) -> SessionState:
        """Start a transaction from the charger's energy register; the session it opened (its
        `accepted` says whether the server accepted the id token)."""
        d = self.dialect
        power_w = int(self.profile.power_kw * 1000 * self.rng.uniform(0.6, 1.0))
        tx = SessionState(connector, id_token, self.meter_wh, power_w)
        action, payload = d.start(tx, remote_start_id)
        answer = await self._send(action, payload)
        tx.tx_id = d.started_id(tx, answer)
        tx.accepted = d.start_accepted(answer)
        self.sessions[connector] = tx
        self.stats.sessions_started += 1
        if self.ledger is not None:
            self.ledger.started(self.profile.station_id, tx.tx_id, tx.meter_start_wh)
            self.ledger.sampled(tx.tx_id, payload)
        return tx

    async def meter(self, tx: SessionState) -> None:
        """The session's energy register (`tx.meter_wh`) as a periodic reading."""
        action, payload = self.dialect.meter(tx)
        await self._send(action, payload)
        self.readings_acked += 1
        if self.ledger is not None:
            self.ledger.sampled(tx.tx_id, payload)

    async def stop_transaction(self, tx: SessionState, reason: str) -> None:
        """Stop the session (reason in 1.6 words: Local, Remote, EVDisconnected)."""
        action, payload = self.dialect.stop(tx, reason)
        await self._send(action, payload)
        if self.sessions.get(tx.connector) is tx:
            del self.sessions[tx.connector]
        self.meter_wh = tx.meter_wh
        self.stats.sessions_completed += 1
        self.stats.energy_wh += tx.meter_wh - tx.meter_start_wh
        if self.ledger is not None:
            self.ledger.sampled(tx.tx_id, payload)
            self.ledger.stopped(tx.tx_id, tx.meter_wh)

    # -- a charger's life -------------------------------------------------------------------------

    async def run(self) -> ChargerStats:
        """Connect, boot, and charge until the profile's sessions are done, `stop()` is called
        or the task is cancelled. A durable charger connects with its first message."""
        p = self.profile
        if p.transport != "websockets":
            raise ValueError("run() sends heartbeats beside sessions: it needs the websockets link")
        try:
            self._check_stop()
            if not p.durable:
                await self.connect()
                await self._boot_until_accepted()
            for connector in range(1, p.connectors + 1):
                await self.status(connector, "Available")
            await self._live()
        except ChargerStopped:
            pass
        finally:
            await self.close()
        return self.stats

    async def _live(self) -> None:
        try:
            async with asyncio.TaskGroup() as group:
                beat = group.create_task(self._heartbeats())
                await self._charge_loop()
                beat.cancel()
        except* ChargerStopped:
            pass

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(min(self.heartbeat_interval, self.profile.heartbeat_max))
            if self._stopping:
                return
            try:
                await self.heartbeat()
            except ChargerStopped:
                return

    async def _charge_loop(self) -> None:
        p = self.profile
        done = 0
        while p.sessions is None or done < p.sessions:
            try:
                token, connector, remote_id = await asyncio.wait_for(
                    self.remote_starts.get(), timeout=self.rng.uniform(*p.idle_seconds)
                )
            except TimeoutError:
                token, connector, remote_id = self.rng.choice(p.id_tokens), None, None
            self._check_stop()
            free = [c for c in range(1, p.connectors + 1) if c not in self.sessions]
            if not free:
                continue
            chosen = connector if connector in free else self.rng.choice(free)
            await self.charge(chosen, token, remote_start_id=remote_id)
            done += 1

    async def charge(
        self, connector: int, id_token: str, *, remote_start_id: int | None = None
    ) -> None:
        """One whole session on `connector`."""
        p = self.profile
        stop = self.stop_requests[connector] = asyncio.Event()
        try:
            await self.status(connector, "Preparing")
            if remote_start_id is None and not await self.authorize(id_token):
                await self.status(connector, "Available")
                return
            car = self._plug_in(connector) if p.vehicles else None
            tx = await self.start_transaction(connector, id_token, remote_start_id=remote_start_id)
            tx.phases = self.phases_of(connector)
            self._draw(connector, tx)
            await self.status(connector, self.dialect.charging_status)
            length = self.rng.uniform(*p.session_seconds)
            elapsed = 0.0
            reason = "EVDisconnected"
            while elapsed < length:
                step = min(p.meter_interval, length - elapsed)
                try:
                    await asyncio.wait_for(stop.wait(), timeout=step)
                    reason = "Remote"
                except TimeoutError:
                    pass
                self._check_stop()
                elapsed += step
                if car is None:
                    tx.meter_wh += round(tx.power_w * step * p.time_scale / 3600)
                else:
                    tx.meter_wh += car.charge(step * p.time_scale, self.limit_w(connector))
                self._draw(connector, tx)
                if reason == "Remote":
                    break
                await self.meter(tx)
                if car is not None and car.full:
                    break  # the car stopped drawing; its driver unplugs
            self._metered(connector, 0.0, tx.phases)  # the car stops drawing, then the stop
            await self.stop_transaction(tx, reason)
            await self.status(connector, "Finishing")
            await self.status(connector, "Available")
        finally:
            self.sessions.pop(connector, None)
            self.stop_requests.pop(connector, None)
            self.cars.pop(connector, None)
            self.limits.transaction_ended(connector)
            self._metered(connector, 0.0, 1)

    def limit_w(self, connector: int) -> float | None:
        """The composite limit in W for `connector`'s session (its TxProfile, else the
        default; under any station maximum), on the phases its car draws on."""
        tx = self.sessions.get(connector)
        phases = self.phases_of(connector)
        return self.limits.limit_w(connector, tx.tx_id if tx is not None else None, phases)

    def phases_of(self, connector: int) -> int:
        """The phases the car on `connector` draws on (an AC car: its own and the charger's)."""
        car = self.cars.get(connector)
        if car is None or car.dc:
            return self.profile.phases
        return min(car.vehicle.ac_phases, self.profile.phases)

    def apply_limits(self) -> None:
        """What a charger does at once with a new profile: each car draws within it."""
        for connector, tx in list(self.sessions.items()):
            self._draw(connector, tx)

    def _draw(self, connector: int, tx: SessionState) -> None:
        """Set the session's power under the limit in force, and tell the site meter."""
        limit = self.limit_w(connector)
        car = self.cars.get(connector)
        if car is not None:
            car.power_w = car.draw(limit)
            tx.power_w = car.power_w
        else:
            tx.power_w = int(tx.nominal_w if limit is None else min(tx.nominal_w, limit))
        self._metered(connector, tx.power_w / (VOLTS * tx.phases), tx.phases)

    def _metered(self, connector: int, amps: float, phases: int) -> None:
        if self.site_meter is not None:
            p = self.profile
            self.site_meter.draw(p.station_id, connector, amps, phases, p.rotation)

    def _plug_in(self, connector: int) -> CarSession | None:
        """A catalogue car that fits the connector (None: none does, the session is flat)."""
        from steppe.simulator.car import outlet, plug_in

        p = self.profile
        standard, kw = p.outlet_of(connector)
        car = plug_in(
            p.vehicles, outlet(connector, standard, kw), self.rng, p.arrival_soc, p.target_soc
        )
        if car is not None:
            self.cars[connector] = car
        return car


__all__ = ["Charger", "ChargerProfile", "ChargerStats", "ChargerStopped"]
