"""Site load management at run time: the allocator fed with what happens, its limits sent.

`SiteLoadManager.run` is a worker of the running instance. It allocates a site's capacity
(`allocator.allocate`) when a session on it starts or ends, when a station on it connects,
disconnects or boots, when a car's measured per-phase current moves by a whole ampere or more
(`CurrentReadings`, noted by the transaction services without any work on their path), when a
1.6 connector says its car is full (SuspendedEV) or charging again, and every `interval`
seconds (rotation of paused cars, cars that draw less than offered). Then it sends what changed
(`allocator.changed`) as TxProfiles with the neutral `set-charging-limit` command (audited as
`steppe:load`), in three steps, each waiting for the answers of the one before:

1. every decrease and pause of a limit a charger holds, and every lowered station default;
2. the limits of sessions whose charger holds none of ours (a new session, a charger that came
   back): what they run at now is their default or an older limit, which this only lowers;
3. increases and resumes, and raised station defaults.

So what the chargers hold never adds up above a circuit's limit while messages are in flight.
If a step is not fully applied, the later ones are skipped and the site is allocated again at
once. Each station's default for the next car (`defaults.idle_defaults`: its safe default,
within what the plan leaves free) is sent as its TxDefaultProfile (on connector or EVSE 0)
whenever it changes, lowered ones in the first step and raised ones in the last.

An EVSE whose station is offline is counted at its hardware maximum (fail-safe) until it comes
back; one that rejects its limit or answers with an error is counted so until its session ends
or its station connects again, and a station that rejects its default, until it connects again.
A station that connects or boots is sent its default and its sessions' limits again, since it
may have lost them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from steppe.domain.charging_profiles.restore import LOAD_PROFILES
from steppe.domain.charging_profiles.service import ChargingProfileService
from steppe.domain.commands.models import LimitPeriod, SetChargingLimit
from steppe.domain.commands.service import CommandService
from steppe.domain.events import Event, EventBus, EventType
from steppe.domain.ports import Cached, Changes, Clock, CommandSender, NoOtherNodes
from steppe.domain.smart_charging.allocation import Allocation, EvsePlan
from steppe.domain.smart_charging.allocator import allocate, changed
from steppe.domain.smart_charging.defaults import idle_defaults
from steppe.domain.smart_charging.layout import EvseState, site_of
from steppe.domain.smart_charging.models import ALL_PHASES, EvseId, Session, Site
from steppe.domain.smart_charging.needs import need_from
from steppe.domain.smart_charging.readings import CurrentReadings
from steppe.domain.smart_charging.schedules import ChargingNeed, cheapest_schedule
from steppe.domain.smart_charging.sites import SiteStore
from steppe.domain.smart_charging.specs import SiteSpec
from steppe.domain.smart_charging.units import amps
from steppe.domain.transactions.service import TransactionService
from steppe.errors import InvalidInput, NotFound, SteppeError
from steppe.types import TransactionStatus

log = logging.getLogger("steppe.domain")
ACTOR = "steppe:load"
# The TxProfile Steppe sends: one id per EVSE (a new one replaces the old), and a stack level
# high enough to win over the stations' own TxProfiles in the composite schedule.
PROFILE_ID_BASE = LOAD_PROFILES.start  # + the EVSE number; the base alone: the default
STACK_LEVEL = 8
# A measured phase current that moves less than this is not worth a new round before the next.
READING_STEP = Decimal(1)
TENTH = Decimal("0.1")
WANTED = frozenset(
    t.value
    for t in (
        EventType.TRANSACTION_STARTED,
        EventType.TRANSACTION_ENDED,
        EventType.STATION_CONNECTED,
        EventType.STATION_DISCONNECTED,
        EventType.STATION_BOOTED,
        EventType.CONNECTOR_STATUS,
        EventType.CHARGING_LIMIT,  # NotifyEVChargingNeeds among others
    )
)
EV_NEEDS = "ev-needs"
# A 1.6 connector status saying whether its car takes energy (a full car keeps its minimum).
CAR_FULL = {"SuspendedEV": True, "Charging": False}


def profile_id(evse_id: int) -> int:
    return PROFILE_ID_BASE + evse_id


@dataclass(slots=True)
class LiveSite:
    """What the manager knows of one site between rounds."""

    id: str
    spec: SiteSpec
    evse_ids: dict[str, set[int]] = field(default_factory=dict)
    sessions: dict[EvseId, Session] = field(default_factory=dict)
    sent: dict[EvseId, EvsePlan] = field(default_factory=dict)  # what each charger accepted
    refusing: set[EvseId] = field(default_factory=set)
    defaults: dict[str, int] = field(default_factory=dict)  # station defaults accepted (dA)
    refusing_stations: set[str] = field(default_factory=set)
    measured: dict[EvseId, tuple[Decimal, ...]] = field(default_factory=dict)
    needs: dict[EvseId, ChargingNeed] = field(default_factory=dict)  # what cars said they need
    previous: Allocation | None = None
    site: Site | None = None
    rounds: int = 0


class SiteLoadManager:
    def __init__(
        self,
        store: SiteStore,
        commands: CommandService,
        connections: CommandSender,
        transactions: TransactionService,
        profiles: ChargingProfileService,
        readings: CurrentReadings,
        bus: EventBus,
        clock: Clock,
        *,
        interval: float,
        threshold_a: Decimal,
        changes: Changes | None = None,
    ) -> None:
        self._store = store
        self._changes = changes or NoOtherNodes()
        self._commands = commands
        self._connections = connections
        self._transactions = transactions
        self._profiles = profiles
        self._readings = readings
        self._bus = bus
        self._clock = clock
        self._interval = interval
        self._threshold_a = threshold_a
        self._sites: dict[str, LiveSite] = {}
        self._site_of: dict[str, str] = {}  # station -> site
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()
        self._loaded = False
        self._round = asyncio.Lock()  # one round at a time, the worker's or an operator's
        self._resync = False
        self._ended: list[tuple[str, str]] = []  # (station, transaction) whose profiles to drop

    # -- what operators do ---------------------------------------------------------------

    async def put(self, site_id: str, spec: SiteSpec) -> bool:
        """Store a site's description and allocate it at once; True when it is new.
        InvalidInput for a tree the allocator cannot take (a three-phase EVSE below a
        single-phase circuit, a circuit id used twice, a phase its parent lacks)."""
        site_of(site_id, spec, {}, lambda _e: (True, True, None))
        created = await self._store.put(site_id, spec)
        await self._load(site_id, spec)
        async with self._round:
            self._plan(self._sites[site_id])  # shown at once; the worker sends it
        self._changes.changed(Cached.SITES)
        return created

    async def remove(self, site_id: str) -> None:
        await self._store.remove(site_id)
        self._drop(site_id)
        self._changes.changed(Cached.SITES)

    def _drop(self, site_id: str) -> None:
        live = self._sites.pop(site_id, None)
        if live is not None:
            for station_id in live.spec.all_station_ids():
                self._site_of.pop(station_id, None)
        self._readings.watch(self._site_of)

    async def reload(self) -> None:
        """Read every site again, because another node of a cluster changed one: sites that are
        gone are dropped, the others rebuilt (keeping what their chargers hold) and allocated."""
        if not self._loaded:
            return  # the worker reads them all when it starts
        stored = dict(await self._store.all())
        for site_id in set(self._sites) - set(stored):
            self._drop(site_id)
        for site_id, spec in stored.items():
            await self._load(site_id, spec)

    async def view(self, site_id: str) -> dict[str, Any]:
        """The site's limits, each EVSE's allocation and the measured load per grid phase."""
        live = self._sites.get(site_id)
        if live is None:
            spec = await self._store.get(site_id)  # NotFound for an unknown site
            live = LiveSite(site_id, spec)
        return describe(live)

    # -- the worker ----------------------------------------------------------------------

    async def run(self) -> None:
        """Until cancelled: allocate on events, on readings and every `interval`."""
        await self._load_all()
        async with self._bus.subscribe(wants=WANTED.__contains__) as events:
            while True:
                await self._wait(events.queue)
                while not events.queue.empty():
                    self._on_event(events.queue.get_nowait())
                if self._resync:
                    self._resync = False
                    for site_id, live in list(self._sites.items()):
                        await self._load(site_id, live.spec)
                self._take_readings()
                await self._forget_ended()
                due = set(self._dirty)
                self._dirty.clear()
                for site_id in sorted(due):
                    try:
                        await self.allocate(site_id)
                    except Exception:  # a failure never stops the worker; the next round retries
                        log.exception("site %s not allocated", site_id)

    async def _wait(self, queue: asyncio.Queue[Event]) -> None:
        """Until an event, a noted reading, a site to redo, or the interval (then every site)."""
        if self._dirty:
            return
        getter = asyncio.ensure_future(queue.get())
        noted = asyncio.ensure_future(self._readings.noted.wait())
        woken = asyncio.ensure_future(self._wake.wait())
        waiting = {getter, noted, woken}
        try:
            done, _ = await asyncio.wait(
                waiting, timeout=self._interval, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for task in waiting:
                task.cancel()
            await asyncio.gather(*waiting, return_exceptions=True)
        self._wake.clear()
        if getter in done and not getter.cancelled() and getter.exception() is None:
            self._on_event(getter.result())
        elif not done:
            self._dirty.update(self._sites)

    def _on_event(self, event: Event) -> None:
        if event.type is EventType.STREAM_LAGGED:  # events were lost: read sessions again
            self._resync = True
            return
        station_id = event.station_id
        site_id = self._site_of.get(station_id or "")
        if station_id is None or site_id is None:
            return
        live = self._sites[site_id]
        data = event.data
        if event.type is EventType.CHARGING_LIMIT:
            need = need_from(data) if data.get("kind") == EV_NEEDS else None
            if need is None or live.spec.prices is None:
                return
            evse = EvseId(station_id, int(data.get("evseId") or 1))
            live.needs[evse] = need
            live.sent.pop(evse, None)  # its next limit goes out as a schedule
        elif event.type is EventType.CONNECTOR_STATUS:
            full = CAR_FULL.get(str(data.get("status")))
            evse = EvseId(station_id, int(data.get("evse_id") or 0))
            session = live.sessions.get(evse)
            if full is None or session is None or session.full is full:
                return
            live.sessions[evse] = replace(session, full=full)
        elif event.type is EventType.TRANSACTION_STARTED:
            evse = EvseId(station_id, int(data.get("evse_id") or 1))
            live.evse_ids.setdefault(station_id, set()).add(evse.evse_id)
            live.sessions[evse] = self._session(live, str(data["transaction_id"]), data)
            live.refusing.discard(evse)
        elif event.type is EventType.TRANSACTION_ENDED:
            ended = str(data.get("transaction_id"))
            for evse, session in list(live.sessions.items()):
                if evse.station_id == station_id and session.id == ended:
                    del live.sessions[evse]
                    live.sent.pop(evse, None)
                    live.needs.pop(evse, None)
                    live.measured.pop(evse, None)
                    live.refusing.discard(evse)
            self._ended.append((station_id, ended))
        else:  # connected, disconnected, booted: its chargers may have lost their limits
            for evse in [e for e in live.sent if e.station_id == station_id]:
                del live.sent[evse]
            live.refusing = {e for e in live.refusing if e.station_id != station_id}
            live.defaults.pop(station_id, None)
            live.refusing_stations.discard(station_id)
        self._dirty.add(site_id)

    async def _forget_ended(self) -> None:
        ended, self._ended = self._ended, []
        for station_id, transaction_id in ended:
            try:
                await self._profiles.transaction_ended(station_id, transaction_id)
            except SteppeError as exc:
                log.warning("[%s] TxProfiles of %s kept: %s", station_id, transaction_id, exc)

    def _take_readings(self) -> None:
        now = self._clock.now()
        for (station_id, evse_number, tx_id), currents in self._readings.take().items():
            site_id = self._site_of.get(station_id)
            if site_id is None:
                continue
            live = self._sites[site_id]
            evse = _evse_of(live, station_id, evse_number, tx_id)
            if evse is None:
                continue
            session = live.sessions[evse]
            plan = live.sent.get(evse)
            offered = None if plan is None else plan.limit_a
            before = live.measured.get(evse, ())
            live.measured[evse] = currents
            updated = session.with_measurement(currents, offered, now)
            live.sessions[evse] = updated
            if _moved(before, currents) or updated.car_phases != session.car_phases:
                self._dirty.add(site_id)

    # -- one round -----------------------------------------------------------------------

    async def allocate(self, site_id: str) -> Allocation:
        """Allocate the site now and send what changed."""
        live = self._sites.get(site_id)
        if live is None:
            raise NotFound(f"site {site_id!r} not found")
        async with self._round:
            return await self._allocate(site_id, live)

    def _plan(self, live: LiveSite) -> tuple[Site, Allocation]:
        """Allocate the site as it stands (no messages)."""
        now = self._clock.now()
        site = site_of(live.id, live.spec, live.evse_ids, lambda e: self._state(live, e))
        allocation = allocate(site, live.spec.strategy, now, previous=live.previous)
        live.site, live.previous = site, allocation
        live.rounds += 1
        return site, allocation

    async def _allocate(self, site_id: str, live: LiveSite) -> Allocation:
        site, allocation = self._plan(live)
        sends = [p for p in changed(live.sent, allocation, self._threshold_a) if p.session_id]
        lower = [p for p in sends if _lowers(live.sent.get(p.evse), p)]
        unknown = [p for p in sends if live.sent.get(p.evse) is None]
        higher = [p for p in sends if p not in lower and p not in unknown]
        defaults = {
            station: limit
            for station, limit in idle_defaults(site, allocation).items()
            if live.defaults.get(station) != limit and self._connections.is_connected(station)
        }
        down = {s: d for s, d in defaults.items() if d < live.defaults.get(s, 1 << 30)}
        threshold_da = int(self._threshold_a * 10)
        up = {
            s: d
            for s, d in defaults.items()
            if s not in down and (not live.defaults.get(s) or d - live.defaults[s] > threshold_da)
        }
        steps: tuple[tuple[list[EvsePlan], dict[str, int]], ...] = (
            (lower, down),
            (unknown, {}),
            (higher, up),
        )
        for plans, station_defaults in steps:
            if not plans and not station_defaults:
                continue
            sent = await asyncio.gather(
                *(self._send(live, plan) for plan in plans),
                *(self._send_default(live, s, d) for s, d in station_defaults.items()),
            )
            if not all(sent):  # not applied: count it at its maximum and allocate again
                self._dirty.add(site_id)
                self._wake.set()
                break
        return allocation

    def _state(self, live: LiveSite, evse: EvseId) -> EvseState:
        online = self._connections.is_connected(evse.station_id)
        accepts = evse not in live.refusing and evse.station_id not in live.refusing_stations
        return online, accepts, live.sessions.get(evse)

    def _schedule(self, live: LiveSite, evse: EvseId, limit_a: Decimal) -> dict[str, Any]:
        """For a car that told its need on a site with prices: the cheapest periods within
        its limit, from now (each at most the limit, so the plan still holds)."""
        need = live.needs.get(evse)
        prices = live.spec.prices
        if need is None or prices is None or limit_a <= 0:
            return {}
        now = self._clock.now().replace(microsecond=0)
        plan = cheapest_schedule(prices.day_prices(), need, limit_a, now)
        periods = [
            LimitPeriod(
                start_s=p.start_s, limit_a=min(p.limit_a, limit_a).quantize(TENTH, ROUND_FLOOR)
            )
            for p in plan.periods
        ]
        return {"periods": periods[:48], "starts_at": now}

    async def _send_default(self, live: LiveSite, station_id: str, limit_da: int) -> bool:
        """The station's safe default as its TxDefaultProfile; whether it accepted it."""
        params = SetChargingLimit(
            connector_id=0,
            profile_id=PROFILE_ID_BASE,
            limit_a=amps(limit_da),
            purpose="TxDefaultProfile",
            stack_level=STACK_LEVEL,
        )
        try:
            result = await self._commands.send(ACTOR, station_id, "set-charging-limit", params)
        except SteppeError as exc:
            log.info("[%s] default limit not set: %s", station_id, exc)
            live.refusing_stations.add(station_id)
            return False
        if result.status != "Accepted":
            log.info("[%s] refused its default limit (%s)", station_id, result.status)
            live.refusing_stations.add(station_id)
            return False
        live.defaults[station_id] = limit_da
        return True

    async def _send(self, live: LiveSite, plan: EvsePlan) -> bool:
        """Send one limit; whether the charger accepted it."""
        evse = plan.evse
        assert plan.limit_da is not None and plan.session_id is not None
        params = SetChargingLimit(
            connector_id=evse.evse_id,
            profile_id=profile_id(evse.evse_id),
            limit_a=amps(plan.limit_da),
            number_phases=plan.number_phases,
            stack_level=STACK_LEVEL,
            transaction_id=plan.session_id,
            **self._schedule(live, evse, amps(plan.limit_da)),
        )
        try:
            result = await self._commands.send(ACTOR, evse.station_id, "set-charging-limit", params)
        except SteppeError as exc:
            log.info("[%s] limit for EVSE %d not set: %s", evse.station_id, evse.evse_id, exc)
            live.sent.pop(evse, None)
            live.refusing.add(evse)
            return False
        if result.status != "Accepted":
            log.info(
                "[%s] EVSE %d refused its limit (%s): counted at its maximum",
                evse.station_id,
                evse.evse_id,
                result.status,
            )
            live.sent.pop(evse, None)
            live.refusing.add(evse)
            return False
        if live.sessions.get(evse) is not None:
            live.sent[evse] = plan
        return True

    # -- loading -------------------------------------------------------------------------

    async def _load_all(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for site_id, spec in await self._store.all():
            if site_id not in self._sites:
                await self._load(site_id, spec)

    async def _load(self, site_id: str, spec: SiteSpec) -> None:
        """(Re)build a site's live state: its stations and their running sessions."""
        old = self._sites.get(site_id)
        live = LiveSite(site_id, spec)
        if old is not None:
            live.sent, live.refusing, live.previous = old.sent, old.refusing, old.previous
            live.measured, live.defaults, live.needs = old.measured, old.defaults, old.needs
            live.refusing_stations, live.rounds = old.refusing_stations, old.rounds
            for station_id in old.spec.all_station_ids():
                self._site_of.pop(station_id, None)
        stations = spec.all_station_ids()
        for station_id in stations:
            self._site_of[station_id] = site_id
            active = await self._transactions.list(
                station_id=station_id, status=TransactionStatus.ACTIVE, limit=100
            )
            for tx in active:
                evse = EvseId(station_id, tx.evse_id or 1)
                live.evse_ids.setdefault(station_id, set()).add(evse.evse_id)
                known = old.sessions.get(evse) if old is not None else None
                if known is not None and known.id == tx.id:
                    live.sessions[evse] = known  # keeps what its readings taught
                    continue
                started = tx.started_at or self._clock.now()
                live.sessions[evse] = self._session(live, tx.id, {"started_at": started})
        self._sites[site_id] = live
        self._readings.watch(self._site_of)
        self._dirty.add(site_id)
        self._wake.set()

    def _session(self, live: LiveSite, transaction_id: str, data: dict[str, Any]) -> Session:
        started = data.get("started_at")
        at = self._clock.now()
        if isinstance(started, datetime):
            at = started
        elif isinstance(started, str):
            with contextlib.suppress(ValueError):
                at = datetime.fromisoformat(started)
        if at.tzinfo is None:
            at = self._clock.now()
        try:
            return Session(transaction_id, at, min_current_a=live.spec.min_current_a)
        except InvalidInput:
            return Session(transaction_id, self._clock.now())


def _lowers(old: EvsePlan | None, new: EvsePlan) -> bool:
    return (
        old is not None
        and old.limit_da is not None
        and new.limit_da is not None
        and new.limit_da < old.limit_da
        and old.session_id == new.session_id
    )


def _moved(before: tuple[Decimal, ...], after: tuple[Decimal, ...]) -> bool:
    if len(before) != len(after):
        return True
    return any(abs(a - b) >= READING_STEP for a, b in zip(before, after, strict=True))


def _evse_of(live: LiveSite, station_id: str, number: int, tx_id: str | None) -> EvseId | None:
    """The EVSE a reading belongs to: named, or found by its transaction."""
    if number:
        evse = EvseId(station_id, number)
        return evse if evse in live.sessions else None
    for evse, session in live.sessions.items():
        if evse.station_id == station_id and session.id == tx_id:
            return evse
    return None


def describe(live: LiveSite) -> dict[str, Any]:
    """A site as `GET /api/v1/sites/{site_id}` shows it."""
    spec = live.spec
    allocation = live.previous
    evses: list[dict[str, Any]] = []
    measured = [Decimal(0)] * 3
    site = live.site
    for evse in site.evses if site is not None else ():
        plan = allocation.evses.get(evse.id) if allocation is not None else None
        sent = live.sent.get(evse.id)
        currents = live.measured.get(evse.id, ())
        wiring = tuple(int(p) for p in evse.rotation.wiring or ALL_PHASES)
        for index, value in enumerate(currents[: len(wiring)]):
            measured[wiring[index]] += value
        evses.append(
            {
                "station_id": evse.id.station_id,
                "evse_id": evse.id.evse_id,
                "max_current_a": str(evse.max_current_a),
                "phases": evse.phases,
                "rotation": evse.rotation.value,
                "online": evse.online,
                "accepts_profiles": evse.accepts_profiles,
                "transaction_id": evse.session.id if evse.session else None,
                "state": plan.state.value if plan else None,
                "reason": plan.reason.value if plan else None,
                "circuit_id": plan.circuit_id if plan else None,
                "limit_a": None if plan is None or plan.limit_a is None else str(plan.limit_a),
                "sent_limit_a": None if sent is None or sent.limit_a is None else str(sent.limit_a),
                "planned_a": str(plan.planned_a) if plan else None,
                "grid_phases": [f"L{int(p) + 1}" for p in plan.grid_phases] if plan else [],
                "measured_a": [str(a) for a in currents],
            }
        )
    circuits = []
    if allocation is not None:
        for load in allocation.circuits.values():
            circuits.append(
                {
                    "id": load.circuit_id,
                    "capacity_a": [None if c is None else str(amps(c)) for c in load.capacity_da],
                    "planned_a": [str(amps(p)) for p in load.planned_da],
                    "uncontrolled_a": [str(amps(u)) for u in load.uncontrolled_da],
                    "overloaded": load.overloaded,
                }
            )
    return {
        "site_id": live.id,
        **spec.model_dump(mode="json"),
        "allocated_at": allocation.at.isoformat() if allocation is not None else None,
        "rounds": live.rounds,
        "circuit_loads": circuits,
        "allocations": evses,
        "measured_a": {f"L{i + 1}": str(value) for i, value in enumerate(measured)},
        "station_defaults_a": (
            {s: str(amps(d)) for s, d in allocation.station_defaults_da.items()}
            if allocation is not None
            else {}
        ),
    }
