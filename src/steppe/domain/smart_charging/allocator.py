"""The site load allocator: a current limit for every EVSE so that no circuit is ever exceeded.

`allocate(site, strategy, now)` is a pure function. One round:

1. Every circuit phase starts with its limit less its margin. EVSEs Steppe cannot steer (offline,
   or refusing charging profiles) are taken off first at their hardware maximum on every phase
   they are wired to: whatever they do, the plan has room for it.
2. Each session becomes a claim: a floor (its minimum current), a ceiling (the lowest of the
   EVSE's hardware maximum, the car's own maximum, and what the car is seen to use) and the
   circuit phases it loads, through the EVSE's rotation and the phases the car draws on.
3. Claims are offered their floor in turn order (`rotation.py`); one whose floor does not fit on
   every circuit phase it loads is paused (0 A). The rest share what is left above their floors:
   equal share raises everyone together (`filling.py`); priority serves each level in full,
   highest first, with equal share inside a level, before the next level is even offered its
   floors; first come, first served gives each car in arrival order all it can take.
4. The plan counts every limit on the grid phases it loads, so the sum on each circuit phase is
   at most its capacity, unless uncontrolled EVSEs alone exceed it (then every steerable car
   there is paused and the circuit is reported `overloaded`).

What a car leaves unused is given to others: a full car keeps only its minimum; a car that has
drawn clearly less than offered for `Rules.demand_settle` is offered its highest measured phase
current plus `Rules.demand_headroom_a`, so a car that wants more soon draws close to its offer
and is given its full share again next round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import groupby
from types import MappingProxyType

from steppe.domain.smart_charging.allocation import (
    Allocation,
    CircuitLoad,
    EvsePlan,
    PlanState,
    Reason,
)
from steppe.domain.smart_charging.defaults import station_defaults
from steppe.domain.smart_charging.filling import OWN_CEILING, admit, fill, headroom
from steppe.domain.smart_charging.models import (
    ALL_PHASES,
    Circuit,
    Evse,
    EvseId,
    GridPhase,
    Rules,
    Session,
    Site,
    Strategy,
)
from steppe.domain.smart_charging.rotation import history, turn
from steppe.domain.smart_charging.units import DECIAMPS_PER_AMP
from steppe.errors import InvalidInput

DEFAULT_RULES = Rules()


@dataclass(slots=True)
class _Claim:
    evse: Evse
    session: Session
    keys: tuple[int, ...]
    grid: tuple[GridPhase, ...]
    phases: int
    lo: int
    hi: int
    ceiling: Reason
    state: PlanState | None  # in the previous round: charging, paused, or None (not decided)
    since: datetime


def allocate(
    site: Site,
    strategy: Strategy,
    now: datetime,
    *,
    previous: Allocation | None = None,
    rules: Rules = DEFAULT_RULES,
) -> Allocation:
    """Decide every EVSE's limit for this round; `previous` is the last round's result, if any."""
    if now.tzinfo is None:
        raise InvalidInput("allocate: now must carry a time zone")
    try:
        strategy = Strategy(strategy)  # a plain "priority" from a settings file works too
    except ValueError:
        raise InvalidInput(f"allocate: unknown strategy {strategy!r}") from None
    circuits = site.circuits
    capacity = [0] * (3 * len(circuits))
    for index, circuit in enumerate(circuits):
        for phase in circuit.grid_phases:
            capacity[index * 3 + phase] = circuit.capacity_da
    slack = list(capacity)
    priors = previous.evses if previous is not None and previous.site_id == site.id else {}
    plans: dict[EvseId, EvsePlan] = {}
    claims: list[_Claim] = []
    for j, evse in enumerate(site.evses):
        session = evse.session
        if not evse.controllable:
            keys = site.keys[j][evse.phases - 1]
            for k in keys:
                slack[k] -= evse.max_da
            plans[evse.id] = EvsePlan(
                evse.id,
                PlanState.UNCONTROLLED,
                None,
                evse.max_da,
                site.footprints[j][evse.phases - 1],
                evse.phases,
                Reason.OFFLINE if not evse.online else Reason.NO_PROFILES,
                session_id=None if session is None else session.id,
            )
        elif session is None:
            plans[evse.id] = EvsePlan(
                evse.id, PlanState.IDLE, None, 0, (), evse.phases, Reason.NO_SESSION
            )
        else:
            phases = evse.drawing_phases
            lo, hi, ceiling = _bounds(evse, session, now, rules)
            state, since = history(session, priors.get(evse.id), now)
            claims.append(
                _Claim(
                    evse,
                    session,
                    site.keys[j][phases - 1],
                    site.footprints[j][phases - 1],
                    phases,
                    lo,
                    hi,
                    ceiling,
                    state,
                    since,
                )
            )
    uncontrolled = [capacity[k] - slack[k] for k in range(len(slack))]
    basis = _defaults_basis(site, slack)
    if previous is not None and previous.defaults_basis == basis:
        defaults = previous.station_defaults_da
    else:
        defaults = MappingProxyType(station_defaults(site, slack))
    rotate = strategy is not Strategy.FIRST_COME
    dwell = rules.rotation_dwell
    claims.sort(
        key=lambda c: turn(c.session, c.evse.id, c.state, c.since, now, dwell, rotate=rotate)
    )
    circuit_ids = [c.id for c in circuits]
    if strategy is Strategy.FIRST_COME:
        _first_come(claims, slack, circuit_ids, plans, now)
    else:
        if strategy is Strategy.PRIORITY:
            claims.sort(key=lambda c: -c.session.priority)  # stable: turn order within a level
            levels = [list(group) for _, group in groupby(claims, lambda c: c.session.priority)]
        else:
            levels = [claims]
        for level in levels:
            _share(level, slack, circuit_ids, plans, now)
    loads = {
        circuit.id: _load(i, circuit, capacity, slack, uncontrolled)
        for i, circuit in enumerate(circuits)
    }
    ordered = {evse.id: plans[evse.id] for evse in site.evses}
    return Allocation(
        site.id,
        now,
        strategy,
        MappingProxyType(ordered),
        MappingProxyType(loads),
        defaults,
        basis,
    )


def changed(
    previous: Allocation | Mapping[EvseId, EvsePlan] | None,
    new: Allocation,
    threshold_a: Decimal,
) -> tuple[EvsePlan, ...]:
    """The limits of `new` worth sending, decreases first.

    Sent: every limit of a session `previous` had no limit for; every decrease, however small
    (a charger left on a higher limit than the plan counts on could overload a circuit); every
    pause and every resume; an increase of more than `threshold_a`; a change of phase count.
    An increase held back is safe: the charger stays below the plan. Pass as `previous` what the
    chargers were last sent (the last allocation, or a mapping kept up to date with what was
    sent), so increases held back add up until they are worth a message.
    """
    before = previous.evses if isinstance(previous, Allocation) else (previous or {})
    threshold_da = threshold_a * DECIAMPS_PER_AMP
    first: list[EvsePlan] = []
    then: list[EvsePlan] = []
    for evse, plan in new.evses.items():
        if plan.limit_da is None:
            continue
        old = before.get(evse)
        if old is None or old.limit_da is None or old.session_id != plan.session_id:
            first.append(plan)  # a new session: what it runs at now is not ours to know
            continue
        step = plan.limit_da - old.limit_da
        if step < 0:
            first.append(plan)
        elif (step > 0 and (old.limit_da == 0 or step > threshold_da)) or (
            plan.number_phases != old.number_phases
        ):
            then.append(plan)
    return (*first, *then)


def _defaults_basis(site: Site, free: list[int]) -> tuple[object, ...]:
    """Everything the station defaults depend on: the tree, what is free once the unsteerable
    EVSEs are counted, and which EVSEs are steerable (not the sessions)."""
    evses = site.evses
    return (
        site.keys,
        tuple(free),
        tuple(e.id for e in evses),
        tuple(e.max_da if e.online and e.accepts_profiles else -1 for e in evses),
    )


def _bounds(evse: Evse, session: Session, now: datetime, rules: Rules) -> tuple[int, int, Reason]:
    lo = session.min_da
    hi, ceiling = evse.max_da, Reason.EVSE_MAX
    if session.max_da is not None and session.max_da < hi:
        hi, ceiling = session.max_da, Reason.CAR_MAX
    if session.full:
        if lo < hi:
            hi, ceiling = lo, Reason.CAR_FULL
    elif session.below_offer_since is not None and now - session.below_offer_since >= (
        rules.demand_settle
    ):
        wanted = max(lo, session.peak_da + rules.headroom_da)
        if wanted < hi:
            hi, ceiling = wanted, Reason.CAR_DEMAND
    return lo, hi, ceiling


def _share(
    claims: list[_Claim],
    slack: list[int],
    circuit_ids: list[str],
    plans: dict[EvseId, EvsePlan],
    now: datetime,
) -> None:
    admitted: list[_Claim] = []
    for claim in claims:
        if claim.hi >= claim.lo and admit(slack, claim.lo, claim.keys):
            admitted.append(claim)
        else:
            plans[claim.evse.id] = _paused(claim, slack, circuit_ids, now)
    levels, binding = fill(
        slack, [c.lo for c in admitted], [c.hi for c in admitted], [c.keys for c in admitted]
    )
    for claim, level, k in zip(admitted, levels, binding, strict=True):
        if k == OWN_CEILING:
            plans[claim.evse.id] = _charging(claim, level, claim.ceiling, None, now)
        else:
            plans[claim.evse.id] = _charging(claim, level, Reason.CIRCUIT, circuit_ids[k // 3], now)


def _first_come(
    claims: list[_Claim],
    slack: list[int],
    circuit_ids: list[str],
    plans: dict[EvseId, EvsePlan],
    now: datetime,
) -> None:
    for claim in claims:
        room, k = headroom(slack, claim.keys)
        if claim.hi < claim.lo or room < claim.lo:
            plans[claim.evse.id] = _paused(claim, slack, circuit_ids, now)
            continue
        level = min(claim.hi, room)
        for key in claim.keys:
            slack[key] -= level
        if level == claim.hi:
            plans[claim.evse.id] = _charging(claim, level, claim.ceiling, None, now)
        else:
            plans[claim.evse.id] = _charging(claim, level, Reason.CIRCUIT, circuit_ids[k // 3], now)


def _charging(
    claim: _Claim, level: int, reason: Reason, circuit_id: str | None, now: datetime
) -> EvsePlan:
    return EvsePlan(
        claim.evse.id,
        PlanState.CHARGING,
        level,
        level,
        claim.grid,
        claim.phases,
        reason,
        circuit_id,
        claim.session.id,
        claim.since if claim.state is PlanState.CHARGING else now,
    )


def _paused(claim: _Claim, slack: list[int], circuit_ids: list[str], now: datetime) -> EvsePlan:
    if claim.hi < claim.lo:
        reason, circuit_id = claim.ceiling, None  # its ceiling is below its own minimum
    else:
        _, k = headroom(slack, claim.keys)
        reason, circuit_id = Reason.NO_ROOM, circuit_ids[k // 3]
    return EvsePlan(
        claim.evse.id,
        PlanState.PAUSED,
        0,
        0,
        claim.grid,
        claim.phases,
        reason,
        circuit_id,
        claim.session.id,
        now if claim.state is PlanState.CHARGING else claim.since,
    )


def _load(
    index: int, circuit: Circuit, capacity: list[int], slack: list[int], uncontrolled: list[int]
) -> CircuitLoad:
    base = index * 3
    carried = circuit.grid_phases
    caps = [capacity[base + p] if p in carried else None for p in ALL_PHASES]
    planned = [capacity[base + p] - slack[base + p] for p in ALL_PHASES]
    fixed = [uncontrolled[base + p] for p in ALL_PHASES]
    return CircuitLoad(
        circuit.id,
        (caps[0], caps[1], caps[2]),
        (planned[0], planned[1], planned[2]),
        (fixed[0], fixed[1], fixed[2]),
    )
