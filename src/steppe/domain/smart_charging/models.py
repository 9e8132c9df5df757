"""A site as the tree of circuits behind its grid connection, with the EVSEs and sessions under it.

Currents are `Decimal` amperes per phase (`*_a`); each is turned once, when the model is built,
into whole deci-amperes (`*_da`, see `units.py`), the unit the allocator computes in. Grid phases
are the site's own L1, L2 and L3; an EVSE's phases are mapped onto them by its phase rotation.
Building a `Site` checks the tree (unique ids, single-phase circuits fed from one grid phase, no
three-phase EVSE below a single-phase circuit) and indexes it, so an allocation only walks flat
lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import IntEnum, StrEnum
from types import MappingProxyType
from typing import NamedTuple

from steppe.domain.smart_charging.units import current, deciamps_down, deciamps_up
from steppe.errors import InvalidInput

MIN_CURRENT_A = Decimal(6)  # IEC 61851-1: the lowest current a pilot signal may offer an AC car
PHASES = (1, 3)  # what an EVSE or a circuit may be wired as
CAR_PHASES = (1, 2, 3)  # what a car may draw on (some on-board chargers use two)


class GridPhase(IntEnum):
    """A phase of the site's grid connection."""

    L1 = 0
    L2 = 1
    L3 = 2


ALL_PHASES = (GridPhase.L1, GridPhase.L2, GridPhase.L3)


class PhaseRotation(StrEnum):
    """Which grid phase each of an EVSE's phases is wired to.

    The three-letter names are OCPP's (`ConnectorPhaseRotation` in 1.6, `PhaseRotation` in
    2.0.1): R, S and T are grid L1, L2 and L3, and the letters are the grid phases of the EVSE's
    L1, L2 and L3 in turn, so `STR` puts the EVSE's L1 on grid L2. A single-phase EVSE uses the
    first letter only, or one of `L1`, `L2`, `L3`. `Unknown` (and OCPP's `NotApplicable`) is
    counted on every grid phase the EVSE could be on.
    """

    RST = "RST"
    RTS = "RTS"
    SRT = "SRT"
    STR = "STR"
    TRS = "TRS"
    TSR = "TSR"
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"
    UNKNOWN = "Unknown"

    @classmethod
    def parse(cls, text: str) -> PhaseRotation:
        """A rotation as OCPP or an operator writes it.

        `NotApplicable` (what OCPP 1.6 suggests for single-phase and DC chargers) counts as
        unknown, since it does not say which grid phase a single-phase charger is on. OCPP
        2.0.1's `x` for an unconnected phase is read for single-phase wiring: `Sxx` is `L2`.
        """
        if text == "NotApplicable":
            return cls.UNKNOWN
        if len(text) == 3 and text[0] in "RST" and text[1:] == "xx":
            return cls(f"L{'RST'.index(text[0]) + 1}")
        try:
            return cls(text)
        except ValueError:
            raise InvalidInput(f"phase rotation: unknown value {text!r}") from None

    @property
    def wiring(self) -> tuple[GridPhase, ...] | None:
        """The grid phases of the EVSE's L1, L2, L3 in order; None when not known."""
        return _WIRING[self]


def _wiring(rotation: PhaseRotation) -> tuple[GridPhase, ...] | None:
    if rotation is PhaseRotation.UNKNOWN:
        return None
    if rotation.value.startswith("L"):
        return (GridPhase(int(rotation.value[1]) - 1),)
    return tuple(GridPhase("RST".index(letter)) for letter in rotation.value)


_WIRING = MappingProxyType({rotation: _wiring(rotation) for rotation in PhaseRotation})


class Strategy(StrEnum):
    """How capacity is shared among the cars that can be given their minimum."""

    EQUAL_SHARE = "equal_share"  # max-min fair: everyone rises together until a circuit is full
    PRIORITY = "priority"  # higher priority served in full first, equal share within a level
    FIRST_COME = "first_come"  # by arrival: each car as much as it can take, in turn


@dataclass(frozen=True, slots=True)
class Rules:
    """The allocator's tunable rules (see docs/smart-charging.md for why each default).

    `rotation_dwell`: a car given current keeps it at least this long before a waiting car may
    take its place, and a paused car waits at least this long before it may take another's.
    `demand_settle`: how long a car must have drawn clearly less than offered before what it
    leaves unused is given to others. `demand_headroom_a`: what such a car is offered above its
    highest measured phase current, so it can show it wants more.
    """

    rotation_dwell: timedelta = timedelta(minutes=15)
    demand_settle: timedelta = timedelta(minutes=2)
    demand_headroom_a: Decimal = Decimal(2)
    headroom_da: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.rotation_dwell < timedelta(0) or self.demand_settle < timedelta(0):
            raise InvalidInput("rules: durations must not be negative")
        headroom = current(self.demand_headroom_a, "rules.demand_headroom_a")
        object.__setattr__(self, "headroom_da", deciamps_up(headroom))


class EvseId(NamedTuple):
    """An EVSE: its station and its number there (an OCPP 1.6 connector N is EVSE N)."""

    station_id: str
    evse_id: int


@dataclass(frozen=True, slots=True)
class Session:
    """The car on an EVSE, as far as Steppe knows it.

    `car_phases`: phases the car draws on; None until known, counted as every phase of the EVSE.
    `measured_a`: the latest current per EVSE phase (L1, L2, L3 of the EVSE, as MeterValues
    `Current.Import` reports them); empty before the first measurement. `max_current_a`: the car's
    own limit when known (an EV's charging needs, or vehicle data). `full`: the car has stopped
    taking energy (SuspendedEV). `below_offer_since`: since when the car has drawn clearly less
    than it was offered; `with_measurement` keeps it.
    """

    id: str
    started_at: datetime
    priority: int = 0
    car_phases: int | None = None
    measured_a: tuple[Decimal, ...] = ()
    min_current_a: Decimal = MIN_CURRENT_A
    max_current_a: Decimal | None = None
    full: bool = False
    below_offer_since: datetime | None = None
    min_da: int = field(init=False, repr=False, compare=False)
    max_da: int | None = field(init=False, repr=False, compare=False)
    peak_da: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        where = f"session {self.id!r}"
        if not self.id:
            raise InvalidInput("session: id must not be empty")
        if self.started_at.tzinfo is None:
            raise InvalidInput(f"{where}: started_at must carry a time zone")
        if self.car_phases is not None and self.car_phases not in CAR_PHASES:
            raise InvalidInput(f"{where}: car_phases must be 1, 2 or 3")
        if len(self.measured_a) > 3:
            raise InvalidInput(f"{where}: at most three measured phase currents")
        measured = tuple(current(a, f"{where}.measured_a") for a in self.measured_a)
        minimum = current(self.min_current_a, f"{where}.min_current_a")
        set_ = object.__setattr__
        set_(self, "measured_a", measured)
        set_(self, "min_da", deciamps_up(minimum))
        set_(self, "peak_da", max((deciamps_up(a) for a in measured), default=0))
        if self.max_current_a is None:
            set_(self, "max_da", None)
        else:
            set_(self, "max_da", deciamps_down(current(self.max_current_a, f"{where}.max")))

    def with_measurement(
        self,
        currents_a: Iterable[Decimal],
        offered_a: Decimal | None,
        at: datetime,
        *,
        tolerance_a: Decimal = Decimal(1),
    ) -> Session:
        """This session after a meter reading of `currents_a` (EVSE L1, L2, L3) while offered
        `offered_a` per phase.

        The car draws "clearly less than offered" when its highest phase is more than
        `tolerance_a` under the offer; `below_offer_since` keeps the first moment of such a run
        and is cleared as soon as the car draws close to the offer again. A reading where the car
        draws at least 4 A tells how many phases it uses (a phase counts from a quarter of the
        highest, at least 1 A); a count higher than the one known replaces it, since counting a
        car on too few phases is the unsafe mistake.
        """
        measured = tuple(currents_a)
        updated = replace(self, measured_a=measured)
        peak = updated.peak_da
        phases = self.car_phases
        if peak >= 40:
            floor = max(10, peak // 4)
            seen = sum(1 for a in measured if deciamps_up(a) >= floor)
            if phases is None or seen > phases:
                phases = seen
        since: datetime | None = None
        if (
            offered_a is not None
            and offered_a > 0
            and peak < deciamps_down(offered_a - tolerance_a)
        ):
            since = self.below_offer_since or at
        return replace(updated, car_phases=phases, below_offer_since=since)


@dataclass(frozen=True, slots=True)
class Evse:
    """One EVSE: what its hardware allows, how it is wired, whether Steppe can steer it."""

    id: EvseId
    max_current_a: Decimal
    phases: int = 3
    rotation: PhaseRotation = PhaseRotation.RST
    online: bool = True
    accepts_profiles: bool = True
    session: Session | None = None
    max_da: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        where = f"EVSE {self.id.station_id}/{self.id.evse_id}"
        if not self.id.station_id:
            raise InvalidInput("EVSE: station id must not be empty")
        if self.phases not in PHASES:
            raise InvalidInput(f"{where}: phases must be 1 or 3")
        wiring = self.rotation.wiring
        if self.phases == 3 and wiring is not None and len(wiring) != 3:
            raise InvalidInput(f"{where}: a three-phase EVSE needs a three-letter rotation")
        maximum = current(self.max_current_a, f"{where}.max_current_a")
        object.__setattr__(self, "max_da", deciamps_up(maximum))

    @property
    def controllable(self) -> bool:
        """Whether a limit sent to it will be applied: online and accepting charging profiles."""
        return self.online and self.accepts_profiles

    @property
    def drawing_phases(self) -> int:
        """The phases its car is counted on: the car's if known, else all the EVSE has."""
        session = self.session
        if session is None or session.car_phases is None:
            return self.phases
        return min(session.car_phases, self.phases)


@dataclass(frozen=True, slots=True)
class Circuit:
    """A fuse, breaker or feeder: a per-phase limit over everything below it.

    A single-phase circuit names the grid phase it is fed from (`phase`). `margin_a` is kept free
    below `max_current_a` (meter error, a car overshooting its limit for a moment, a changed
    setting not yet applied).
    """

    id: str
    max_current_a: Decimal
    phases: int = 3
    phase: GridPhase | None = None
    margin_a: Decimal = Decimal(0)
    children: tuple[Circuit, ...] = ()
    evses: tuple[Evse, ...] = ()
    capacity_da: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        where = f"circuit {self.id!r}"
        if not self.id:
            raise InvalidInput("circuit: id must not be empty")
        if self.phases not in PHASES:
            raise InvalidInput(f"{where}: phases must be 1 or 3")
        if (self.phases == 1) != (self.phase is not None):
            raise InvalidInput(f"{where}: a single-phase circuit, and only one, names its phase")
        limit = deciamps_down(current(self.max_current_a, f"{where}.max_current_a"))
        margin = deciamps_up(current(self.margin_a, f"{where}.margin_a"))
        object.__setattr__(self, "capacity_da", max(0, limit - margin))

    @property
    def grid_phases(self) -> tuple[GridPhase, ...]:
        return ALL_PHASES if self.phase is None else (self.phase,)


@dataclass(frozen=True, slots=True)
class Site:
    """A site: its grid connection (`root`) and everything below it, checked and indexed.

    The index: `circuits` depth first from the root; `evses` in the same walk; for each EVSE, the
    grid phases its car loads when it draws on 1, 2 or 3 phases (`footprints[j][n - 1]`) and the
    constraint keys that loads (`keys[j][n - 1]`). A key is `circuit index * 3 + grid phase`, one
    per circuit phase from the root down to the EVSE, the root's first.
    """

    id: str
    root: Circuit
    circuits: tuple[Circuit, ...] = field(init=False, repr=False, compare=False)
    evses: tuple[Evse, ...] = field(init=False, repr=False, compare=False)
    footprints: tuple[tuple[tuple[GridPhase, ...], ...], ...] = field(
        init=False, repr=False, compare=False
    )
    keys: tuple[tuple[tuple[int, ...], ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        circuits: list[Circuit] = []
        evses: list[Evse] = []
        footprints: list[tuple[tuple[GridPhase, ...], ...]] = []
        keys: list[tuple[tuple[int, ...], ...]] = []
        seen_evses: set[EvseId] = set()
        seen_circuits: set[str] = set()
        shapes: dict[tuple[str, int, int], _Shape] = {}

        def walk(circuit: Circuit, bases: tuple[int, ...], allowed: tuple[GridPhase, ...]) -> None:
            if circuit.id in seen_circuits:
                raise InvalidInput(f"site {self.id!r}: circuit id {circuit.id!r} used twice")
            if not set(circuit.grid_phases) <= set(allowed):
                raise InvalidInput(f"circuit {circuit.id!r}: fed from a phase its parent lacks")
            seen_circuits.add(circuit.id)
            index = len(circuits)
            circuits.append(circuit)
            bases = (*bases, index * 3)
            allowed = circuit.grid_phases
            # EVSEs wired alike on one circuit share their footprints and keys (by plain
            # strings and ints: hashing enum members is slow)
            alike: dict[tuple[str, int], tuple[_Shape, tuple[tuple[int, ...], ...]]] = {}
            fed = -1 if circuit.phase is None else int(circuit.phase)
            for evse in circuit.evses:
                if evse.id in seen_evses:
                    raise InvalidInput(f"site {self.id!r}: EVSE {evse.id} listed twice")
                seen_evses.add(evse.id)
                evses.append(evse)
                shape = (str(evse.rotation), evse.phases)
                known = alike.get(shape)
                if known is None:
                    wired = (*shape, fed)
                    grids = shapes.get(wired) or shapes.setdefault(
                        wired, _footprints(evse, allowed)
                    )
                    ints = tuple(tuple(b + int(p) for b in bases for p in grid) for grid in grids)
                    known = alike[shape] = (grids, ints)
                footprints.append(known[0])
                keys.append(known[1])
            for child in circuit.children:
                walk(child, bases, allowed)

        walk(self.root, (), ALL_PHASES)
        set_ = object.__setattr__
        set_(self, "circuits", tuple(circuits))
        set_(self, "evses", tuple(evses))
        set_(self, "footprints", tuple(footprints))
        set_(self, "keys", tuple(keys))

    def evse(self, evse_id: EvseId) -> Evse:
        for evse in self.evses:
            if evse.id == evse_id:
                return evse
        raise InvalidInput(f"site {self.id!r}: no EVSE {evse_id}")

    def with_evses(self, updated: Mapping[EvseId, Evse] | Iterable[Evse]) -> Site:
        """This site with some EVSEs replaced: a session started, a measurement, a link lost."""
        by_id = dict(updated) if isinstance(updated, Mapping) else {e.id: e for e in updated}
        unknown = set(by_id) - {e.id for e in self.evses}
        if unknown:
            raise InvalidInput(f"site {self.id!r}: no EVSE {sorted(unknown)[0]}")

        def rebuild(circuit: Circuit) -> Circuit:
            return replace(
                circuit,
                evses=tuple(by_id.get(e.id, e) for e in circuit.evses),
                children=tuple(rebuild(child) for child in circuit.children),
            )

        return Site(self.id, rebuild(self.root))


_Shape = tuple[tuple[GridPhase, ...], tuple[GridPhase, ...], tuple[GridPhase, ...]]


def _footprints(evse: Evse, allowed: tuple[GridPhase, ...]) -> _Shape:
    """The grid phases a car loads when it draws on 1, 2 or 3 of this EVSE's phases."""
    where = f"EVSE {evse.id.station_id}/{evse.id.evse_id}"
    if evse.phases == 3 and len(allowed) == 1:
        raise InvalidInput(f"{where}: a three-phase EVSE below a single-phase circuit")
    wiring = evse.rotation.wiring
    if wiring is None:
        return (allowed, allowed, allowed)  # not known: every phase it could be on
    if not set(wiring[: evse.phases]) <= set(allowed):
        raise InvalidInput(f"{where}: wired to a phase its circuit does not carry")
    one, two, three = (wiring[: min(phases, evse.phases)] for phases in CAR_PHASES)
    return (one, two, three)
