"""The event loop: drivers arrive, wait or go elsewhere, charge under the site's grid limit, leave.

Arrivals come pre-drawn and sorted (`arrivals.py`); everything that follows from them is an event
in one heap: a car reaching its target, a car unplugged, a driver giving up, a diverted driver
reaching the next site, a periodic re-share of a site's grid limit, a charger going into service.
Nothing in the loop draws a random number, so a run is a pure function of the arrivals.

Rules (docs/planning.md names them):
- A driver takes the free charger their car accepts (`choices.py`) that gives the most power; if
  every such charger is taken they queue (first come, first served among the cars a freed
  charger suits).
- Past their patience they drive to the nearest site with a charger their car can use, within
  the detour limit, at most `max_diversions` times; else they leave unserved ("lost").
- While charging, a car draws its curve capped by the charger and by its share of the site's
  grid limit (`load_sharing.py`); shares are recomputed when a car starts or stops charging and,
  while the limit binds, every `rebalance_minutes`.
- After charging the car stays plugged in for its dwell time (exponential, mean by AC or DC).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
from collections import deque
from collections.abc import Callable
from typing import Any

from steppe.planning.arrivals import Arrivals
from steppe.planning.choices import neighbours, usable_chargers
from steppe.planning.load_sharing import equal_shares
from steppe.planning.model import Model
from steppe.planning.profiles import ChargeProfile
from steppe.planning.revenue import SessionPricer, book
from steppe.planning.tally import Tally

CHARGED, UNPLUG, GIVE_UP, REACH, REBALANCE, OPEN = range(6)


class _Driver:
    __slots__ = (
        "arrived",
        "diversions",
        "dwell",
        "end",
        "hold",
        "kind",
        "patience",
        "site",
        "start",
        "tried",
        "visit",
    )

    def __init__(
        self, kind: int, start: float, end: float, dwell: float, patience: float, hold: float
    ) -> None:
        self.kind = kind
        self.start = start
        self.end = end
        self.dwell = dwell
        self.patience = patience
        self.hold = hold
        self.site = -1
        self.arrived = 0.0
        self.visit = 0  # counts the sites reached, so a stale give-up is told apart
        self.diversions = 0
        self.tried: list[int] | None = None  # sites left behind, once the driver diverts


class _Session:
    __slots__ = (
        "anchor",
        "ask",
        "cap",
        "cell",
        "charger",
        "driver",
        "limited",
        "plugged",
        "position",
        "profile",
        "site",
        "stopped",
        "version",
    )

    def __init__(
        self, driver: _Driver, site: int, charger: int, profile: ChargeProfile, now: float
    ) -> None:
        self.driver = driver
        self.site = site
        self.charger = charger
        self.profile = profile
        self.plugged = now
        self.anchor = now
        self.position = driver.start
        self.cap = math.inf
        self.ask = profile.peak_from(driver.start)
        self.version = 0
        self.cell = -1  # the counters' cell of the plug-in (-1 in the warm-up)
        self.stopped = -1.0  # when charging ended (-1 while it goes on)
        self.limited = False


class _SiteState:
    __slots__ = ("active", "constrained", "limit", "queue", "reserved", "version")

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.reserved = 0.0  # the cars' asks summed: at least what they can draw
        self.active: list[_Session] = []
        self.queue: deque[tuple[_Driver, int]] = deque()
        self.constrained = False
        self.version = 0


class Simulation:
    """One run of a model over pre-drawn arrivals; `run()` returns what it counted."""

    def __init__(self, model: Model, arrivals: Arrivals) -> None:
        self.model = model
        self.arrivals = arrivals
        calendar = model.calendar
        self.months = calendar.months
        self.tally = Tally(len(model.sites), self.months)
        self.counters = self.tally.counters
        # (when, sequence, what, subject, version): the subject is a _Session, a _Driver or an index
        self.heap: list[tuple[float, int, int, Any, int]] = []
        self.seq = itertools.count()
        self.month = 0
        self.month_starts = calendar.month_starts
        self.warmup = calendar.warmup_s
        self.states = [
            _SiteState(
                site.grid_limit_kw
                + sum(
                    model.chargers[j].grid_kw
                    for j in site.chargers
                    if model.chargers[j].online_from_s <= 0
                )
            )
            for site in model.sites
        ]
        self.free = [c.online_from_s <= 0 for c in model.chargers]
        self.charger_site = [c.site for c in model.chargers]
        self.dwell_s = [
            (model.dwell_minutes_dc if c.dc else model.dwell_minutes_ac) * 60
            for c in model.chargers
        ]
        self.rebalance_s = model.rebalance_minutes * 60
        self.profiles = model.profiles
        # [site][kind] -> chargers the driver takes, best first; [kind][charger] -> takes it
        # [site][kind] -> usable chargers, best first; [kind][charger] -> kW the car draws there
        self.choice, self.power = usable_chargers(model)
        self.neighbours = neighbours(model, self.choice)
        self.share = model.behaviour.min_power_share
        # [site][kind] -> the most any charger in service gives the car: what "much slower" means
        self.best = [[0.0] * len(model.kinds) for _ in model.sites]
        for j, charger in enumerate(model.chargers):
            if charger.online_from_s <= 0:
                self._in_service(j)
        # per site: (cell, start, Wh, charging s, parking s) of each session to price
        self.to_price: list[list[tuple[int, float, int, int, int]]] = [[] for _ in model.sites]
        self.pricers = [
            None
            if site.tariff is None
            else SessionPricer(
                site.tariff,
                time_zone=site.time_zone,
                country=site.country,
                origin=calendar.start,
            )
            for site in model.sites
        ]

    # -- the loop --------------------------------------------------------------------------

    def push(self, when: float, what: int, subject: object, version: int = 0) -> None:
        heapq.heappush(self.heap, (when, next(self.seq), what, subject, version))

    def _cell(self, site: int, moment: float) -> int:
        """The counters' index for `site` at `moment`, or -1 during the warm-up."""
        if moment < self.warmup:
            return -1
        starts = self.month_starts
        if moment >= starts[self.month]:  # the loop's time only moves forward: step along
            while self.month < self.months - 1 and moment >= starts[self.month + 1]:
                self.month += 1
            return site * self.months + self.month
        month = max(bisect.bisect_right(starts, moment) - 1, 0)
        return site * self.months + month

    def run(self, progress: Callable[[float], None] | None = None) -> Tally:
        arrivals = self.arrivals
        times = arrivals.time.tolist()
        sites = arrivals.site.tolist()
        kinds = arrivals.kind.tolist()
        starts = arrivals.start.tolist()
        ends = arrivals.end.tolist()
        dwells = arrivals.dwell.tolist()
        patience = arrivals.patience.tolist()
        holds = arrivals.hold.tolist()
        horizon = self.model.calendar.horizon_s
        for j, charger in enumerate(self.model.chargers):
            if charger.online_from_s > 0:
                self.push(charger.online_from_s, OPEN, j)
        heap = self.heap
        heappop = heapq.heappop
        step = horizon / 100
        tick = step
        index, count = 0, len(times)
        while True:
            next_arrival = times[index] if index < count else math.inf
            if heap and heap[0][0] <= next_arrival:
                if heap[0][0] > horizon:
                    break
                when, _, what, subject, version = heappop(heap)
                if what == CHARGED:  # the common events first, without a dispatch call
                    if version == subject.version and subject.stopped < 0:
                        self._charged(subject, when)
                elif what == UNPLUG:
                    self._unplug(subject, when)
                else:
                    self._event(when, what, subject, version)
            elif index < count:
                when = next_arrival
                driver = _Driver(
                    kinds[index],
                    starts[index],
                    ends[index],
                    dwells[index],
                    patience[index],
                    holds[index],
                )
                self._arrive(driver, sites[index], when)
                index += 1
            else:
                break
            if progress is not None and when >= tick:
                progress(min(when / horizon, 1.0))
                tick = (when // step + 1) * step
        self._close(horizon)
        self._price()
        if progress is not None:
            progress(1.0)
        return self.tally

    def _event(self, now: float, what: int, subject: object, version: int) -> None:
        if what == CHARGED:
            assert isinstance(subject, _Session)
            if version == subject.version and subject.stopped < 0:
                self._charged(subject, now)
        elif what == UNPLUG:
            assert isinstance(subject, _Session)
            self._unplug(subject, now)
        elif what == GIVE_UP:
            assert isinstance(subject, _Driver)
            self._give_up(subject, version, now)
        elif what == REACH:
            assert isinstance(subject, _Driver)
            self._arrive(subject, version, now)
        elif what == REBALANCE:
            assert isinstance(subject, int)
            state = self.states[subject]
            if version == state.version and state.constrained:
                self._reshare(subject, now)
        else:  # a charger goes into service, with the grid connection that comes with it
            assert isinstance(subject, int)
            charger = self.model.chargers[subject]
            site = charger.site
            self.states[site].limit += charger.grid_kw
            if charger.grid_kw and self.states[site].constrained:
                self._reshare(site, now)
            self._in_service(subject)
            self.free[subject] = True
            self._serve_queue(subject, now)

    # -- drivers ---------------------------------------------------------------------------

    def _arrive(self, driver: _Driver, site: int, now: float) -> None:
        driver.site = site
        driver.arrived = now
        driver.visit += 1
        cell = self._cell(site, now)
        counters = self.counters
        if cell >= 0:
            counters["arrivals"][cell] += 1
        kind = driver.kind
        best = self.best[site][kind]
        if best <= 0:  # no charger in service here that this car can use
            self._leave(driver, now, cell)
            return
        threshold = best * self.share
        if cell >= 0:
            counters["eligible"][cell] += 1
        free = self.free
        power = self.power[kind]
        for j in self.choice[site][kind]:
            if free[j] and power[j] >= threshold:
                self._plug(driver, j, now, cell)
                return
        if cell >= 0:
            counters["waited"][cell] += 1
        self.states[site].queue.append((driver, driver.visit))
        if driver.patience < math.inf:
            self.push(now + driver.patience, GIVE_UP, driver, driver.visit)

    def _in_service(self, charger: int) -> None:
        best = self.best[self.model.chargers[charger].site]
        for kind, power in enumerate(self.power):
            best[kind] = max(best[kind], power[charger])

    def _give_up(self, driver: _Driver, visit: int, now: float) -> None:
        if driver.visit != visit or driver.site < 0:
            return  # plugged in meanwhile, or already elsewhere
        queue = self.states[driver.site].queue
        for position, (waiting, waiting_visit) in enumerate(queue):
            if waiting is driver and waiting_visit == visit:
                del queue[position]
                break
        self._leave(driver, now, self._cell(driver.site, now))

    def _leave(self, driver: _Driver, now: float, cell: int) -> None:
        """Drive on to the nearest usable site not tried yet, or leave the network."""
        behaviour = self.model.behaviour
        if driver.diversions < behaviour.max_diversions:
            if driver.tried is None:
                driver.tried = []
            driver.tried.append(driver.site)
            for other, travel in self.neighbours[driver.site][driver.kind]:
                if other in driver.tried:
                    continue
                driver.diversions += 1
                if cell >= 0:
                    self.counters["diverted"][cell] += 1
                driver.site = -1
                self.push(now + travel, REACH, driver, other)
                return
        if cell >= 0:
            self.counters["lost"][cell] += 1
        driver.site = -1

    def _serve_queue(self, charger: int, now: float) -> None:
        site = self.charger_site[charger]
        queue = self.states[site].queue
        best = self.best[site]
        for position, (driver, visit) in enumerate(queue):
            kind = driver.kind
            power = self.power[kind][charger]
            if driver.visit == visit and power > 0 and power >= best[kind] * self.share:
                del queue[position]
                self._plug(driver, charger, now, self._cell(site, now))
                return

    # -- sessions --------------------------------------------------------------------------

    def _plug(self, driver: _Driver, charger: int, now: float, cell: int) -> None:
        """Plug `driver` into `charger` now; `cell` is the site's counters' cell now."""
        site = self.charger_site[charger]
        self.free[charger] = False
        if cell >= 0:
            self.counters["served"][cell] += 1
            self.counters["wait_s"][cell] += now - driver.arrived
        profile = self.profiles[driver.kind][charger]
        assert profile is not None
        session = _Session(driver, site, charger, profile, now)
        session.cell = cell
        driver.site = -1
        if driver.hold >= 0:
            self.push(now + driver.hold, UNPLUG, session)
        state = self.states[site]
        active = state.active
        active.append(session)
        # Asks only fall as cars fill up, so the sum kept since the last refresh is an upper
        # bound: bring them up to date only when it could reach the limit or a new peak.
        reserved = state.reserved + session.ask
        peak = self.counters["peak_kw"][cell] if cell >= 0 else 0.0
        if state.constrained or reserved > state.limit or reserved > peak:
            reserved = 0.0
            for other in active:
                profile_ = other.profile
                other.position = profile_.advance(other.position, now - other.anchor, other.cap)
                other.anchor = now
                other.ask = profile_.peak_from(other.position)
                reserved += other.ask
            state.reserved = reserved
            if state.constrained or reserved > state.limit:
                self._reshare(site, now)
                return
            if reserved > peak and cell >= 0:
                self.counters["peak_kw"][cell] = reserved
        state.reserved = reserved
        if session.position < driver.end < math.inf:
            seconds = profile.seconds(session.position, driver.end)
            heapq.heappush(self.heap, (now + seconds, next(self.seq), CHARGED, session, 0))

    def _peak(self, site: int, now: float, power: float) -> None:
        cell = self._cell(site, now)
        if cell >= 0:
            peaks = self.counters["peak_kw"]
            if power > peaks[cell]:
                peaks[cell] = power

    def _reshare(self, site: int, now: float) -> None:
        state = self.states[site]
        active = state.active
        for session in active:
            profile = session.profile
            session.position = profile.advance(session.position, now - session.anchor, session.cap)
            session.anchor = now
            session.ask = profile.peak_from(session.position)
        asks = [session.ask for session in active]
        caps = equal_shares(asks, state.limit)
        for session, cap, ask in zip(active, caps, asks, strict=True):
            new_cap = math.inf if cap >= ask else cap
            if new_cap < math.inf:
                session.limited = True
            if new_cap != session.cap:
                session.cap = new_cap
                session.version += 1
                end = session.driver.end
                if session.position < end < math.inf:
                    seconds = session.profile.seconds(session.position, end, new_cap)
                    self.push(now + seconds, CHARGED, session, session.version)
        total = sum(asks)
        state.reserved = total
        state.constrained = total > state.limit
        self._peak(site, now, min(total, state.limit))
        if state.constrained and self.rebalance_s > 0:
            state.version += 1
            self.push(now + self.rebalance_s, REBALANCE, site, state.version)

    def _stop_charging(self, session: _Session, now: float) -> None:
        state = self.states[session.site]
        state.active.remove(session)
        state.reserved -= session.ask
        session.stopped = now
        if state.constrained:
            self._reshare(session.site, now)

    def _charged(self, session: _Session, now: float) -> None:
        session.position = session.driver.end
        state = self.states[session.site]
        state.active.remove(session)
        state.reserved -= session.ask
        session.stopped = now
        if state.constrained:
            self._reshare(session.site, now)
        dwell = session.driver.dwell * self.dwell_s[session.charger]
        heapq.heappush(self.heap, (now + dwell, next(self.seq), UNPLUG, session, 0))

    def _unplug(self, session: _Session, now: float) -> None:
        if session.stopped < 0:  # a plain car unplugged while still charging
            profile = session.profile
            session.position = profile.advance(session.position, now - session.anchor, session.cap)
            self._stop_charging(session, now)
        self._account(session, now)
        self.free[session.charger] = True
        self._serve_queue(session.charger, now)

    def _account(self, session: _Session, now: float) -> None:
        site = session.site
        cell = session.cell
        counters = self.counters
        if cell >= 0 and now <= self.month_starts[cell % self.months + 1]:
            counters["busy_s"][cell] += now - session.plugged  # within its month: the usual case
        else:
            self._busy(site, session.plugged, now)
        if cell < 0:
            return
        energy = session.profile.energy_kwh(session.driver.start, session.position)
        counters["energy_kwh"][cell] += energy
        if session.limited:
            counters["limited"][cell] += 1
        if self.pricers[site] is not None:  # priced together after the run
            charging = round(session.stopped - session.plugged)
            parking = round(now - session.plugged) - charging
            self.to_price[site].append(
                (cell, session.plugged, round(energy * 1000), charging, parking)
            )

    def _price(self) -> None:
        """Price every session of the run, site by site, and book it in its cell."""
        for site, rows in enumerate(self.to_price):
            pricer = self.pricers[site]
            if pricer is not None and rows:
                book(self.tally, pricer, rows)
                rows.clear()

    def _busy(self, site: int, start: float, end: float) -> None:
        """Add charger time over [start, end), split at month boundaries, warm-up left out."""
        start = max(start, self.warmup)
        if end <= start:
            return
        busy = self.counters["busy_s"]
        starts = self.month_starts
        month = self.month
        while month > 0 and start < starts[month]:
            month -= 1
        base = site * self.months
        while start < end:
            edge = starts[month + 1] if month < self.months - 1 else math.inf
            piece_end = min(edge, end)
            busy[base + month] += piece_end - start
            start = piece_end
            month += 1

    def _close(self, horizon: float) -> None:
        """At the end, count the time of cars still plugged in."""
        seen: set[int] = set()
        for _, _, what, subject, _ in self.heap:
            if what == UNPLUG and isinstance(subject, _Session) and id(subject) not in seen:
                seen.add(id(subject))
                self._busy(subject.site, subject.plugged, horizon)
        for state in self.states:
            for session in state.active:
                if id(session) not in seen and session.driver.hold < 0:
                    seen.add(id(session))
                    self._busy(session.site, session.plugged, horizon)
