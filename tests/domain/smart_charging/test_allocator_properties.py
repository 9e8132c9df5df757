"""Properties of the allocator over random sites: trees up to three levels, single- and
three-phase circuits and chargers on any rotation, cars of one, two or three phases, offline
chargers, full cars and cars drawing less than offered.

Each property recomputes what it checks from the site itself (which grid phases a car loads,
what each circuit may carry), not from the allocator's own index.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from steppe.domain.smart_charging.allocation import Allocation, EvsePlan, PlanState
from steppe.domain.smart_charging.allocator import DEFAULT_RULES, allocate, changed
from steppe.domain.smart_charging.models import (
    ALL_PHASES,
    Circuit,
    Evse,
    EvseId,
    GridPhase,
    PhaseRotation,
    Session,
    Site,
    Strategy,
)

from .sites import NOW

FAST = settings(max_examples=100, deadline=None)
THREE_LETTERS = [r for r in PhaseRotation if len(r.value) == 3]
LETTER = {"R": GridPhase.L1, "S": GridPhase.L2, "T": GridPhase.L3}


# -- random sites --------------------------------------------------------------------------------


@st.composite
def sessions(draw: st.DrawFn, name: str) -> Session:
    below = draw(st.booleans())
    measured = draw(st.lists(st.integers(0, 32).map(Decimal), max_size=3) if below else st.just([]))
    return Session(
        name,
        NOW - timedelta(minutes=draw(st.integers(0, 300))),
        priority=draw(st.integers(0, 2)),
        car_phases=draw(st.sampled_from([None, 1, 2, 3])),
        measured_a=tuple(measured),
        min_current_a=Decimal(draw(st.sampled_from([6, 6, 6, 8]))),
        max_current_a=draw(st.sampled_from([None, Decimal(10), Decimal(16), Decimal(32)])),
        full=draw(st.integers(0, 9)) == 0,
        below_offer_since=(NOW - timedelta(minutes=draw(st.integers(0, 10)))) if below else None,
    )


@st.composite
def evses(draw: st.DrawFn, name: str, phase: GridPhase | None) -> Evse:
    if phase is None:
        phases = draw(st.sampled_from([1, 3]))
        choices = [*THREE_LETTERS, PhaseRotation.UNKNOWN]
        if phases == 1:
            choices += [PhaseRotation.L1, PhaseRotation.L2, PhaseRotation.L3]
    else:
        phases = 1
        choices = [PhaseRotation(f"L{phase + 1}"), PhaseRotation.UNKNOWN]
        choices += [r for r in THREE_LETTERS if LETTER[r.value[0]] == phase]
    return Evse(
        EvseId(name, draw(st.integers(1, 2))),
        Decimal(draw(st.sampled_from([5, 6, 10, 16, 20, 32]))),
        phases,
        draw(st.sampled_from(choices)),
        online=draw(st.integers(0, 9)) > 0,
        accepts_profiles=draw(st.integers(0, 9)) > 0,
        session=draw(st.none() | sessions(f"tx-{name}")),
    )


@st.composite
def sites(draw: st.DrawFn) -> Site:
    count = iter(range(10_000))

    def circuit(depth: int, parent_phase: GridPhase | None) -> Circuit:
        phase = parent_phase
        if phase is None and depth > 0 and draw(st.integers(0, 3)) == 0:
            phase = draw(st.sampled_from(ALL_PHASES))
        n = next(count)
        children = draw(st.integers(0, 2)) if depth < 2 else 0
        return Circuit(
            f"c{n}",
            Decimal(draw(st.integers(0, 120))),
            phases=3 if phase is None else 1,
            phase=phase,
            margin_a=Decimal(draw(st.sampled_from([0, 0, 1, 2]))) / 2,
            evses=tuple(draw(evses(f"S{n}-{i}", phase)) for i in range(draw(st.integers(0, 4)))),
            children=tuple(circuit(depth + 1, phase) for _ in range(children)),
        )

    return Site("random", circuit(0, None))


# -- an independent reading of the site ----------------------------------------------------------


def walk(circuit: Circuit) -> Iterator[tuple[Circuit, list[tuple[Evse, tuple[GridPhase, ...]]]]]:
    """Each circuit with every EVSE below it and the grid phases that EVSE could be on."""
    here = circuit.grid_phases
    below = [(e, here) for e in circuit.evses]
    for child in circuit.children:
        for inner, inner_evses in walk(child):
            yield inner, inner_evses
            if inner is child:
                below += inner_evses
    yield circuit, below


def grid_phases(evse: Evse, car_phases: int, allowed: tuple[GridPhase, ...]) -> set[GridPhase]:
    if evse.rotation is PhaseRotation.UNKNOWN:
        return set(allowed)
    if evse.rotation.value.startswith("L"):
        return {GridPhase(int(evse.rotation.value[1]) - 1)}
    return {LETTER[letter] for letter in evse.rotation.value[: min(car_phases, evse.phases)]}


def capacity_da(circuit: Circuit) -> int:
    limit = int((circuit.max_current_a * 10).to_integral_value(ROUND_FLOOR))
    margin = int((circuit.margin_a * 10).to_integral_value(ROUND_CEILING))
    return max(0, limit - margin)


def ceiling_da(evse: Evse) -> int:
    """What the allocator may offer this EVSE's car at most, from the rules in the docs."""
    session = evse.session
    assert session is not None
    ceiling = evse.max_da
    if session.max_da is not None:
        ceiling = min(ceiling, session.max_da)
    if session.full:
        ceiling = min(ceiling, session.min_da)
    elif (
        session.below_offer_since is not None
        and NOW - session.below_offer_since >= DEFAULT_RULES.demand_settle
    ):
        ceiling = min(ceiling, max(session.min_da, session.peak_da + 20))
    return ceiling


def loads(
    site: Site, allocation: Allocation
) -> Iterator[tuple[Circuit, GridPhase, int, int, list[EvsePlan], int]]:
    """Per circuit phase: capacity, planned sum, steerable plans on it, uncontrolled load."""
    for circuit, below in walk(site.root):
        for phase in circuit.grid_phases:
            plans = [allocation.plan(e.id) for e, _ in below]
            on_phase = [p for p in plans if phase in p.grid_phases]
            planned = sum(p.planned_da for p in on_phase)
            fixed = sum(p.planned_da for p in on_phase if p.state is PlanState.UNCONTROLLED)
            steered = [p for p in on_phase if p.state is PlanState.CHARGING]
            yield circuit, phase, capacity_da(circuit), planned, steered, fixed


def _session(evse: Evse) -> Session:
    assert evse.session is not None
    return evse.session


# -- properties ----------------------------------------------------------------------------------


@FAST
@given(sites(), st.sampled_from(Strategy))
def test_no_circuit_phase_is_ever_planned_over_its_limit(site: Site, strategy: Strategy) -> None:
    """Summed over every EVSE below it, on the grid phases each really loads, no circuit phase is
    planned above its limit less margin, unless chargers the allocator cannot steer exceed it on
    their own, and then nothing steerable charges there."""
    allocation = allocate(site, strategy, NOW)
    for circuit, phase, capacity, planned, steered, fixed in loads(site, allocation):
        assert allocation.circuits[circuit.id].planned_da[phase] == planned
        if fixed > capacity:
            assert not steered and circuit.id in allocation.overloaded
        else:
            assert planned <= capacity


@FAST
@given(sites(), st.sampled_from(Strategy))
def test_every_evse_is_planned_by_the_rules(site: Site, strategy: Strategy) -> None:
    """Unsteerable at hardware maximum on all its wiring; idle at 0; a car at its minimum or
    more, within its ceiling, on the phases it draws on, or paused at 0."""
    allocation = allocate(site, strategy, NOW)
    for circuit, below in walk(site.root):
        for evse, allowed in below:
            if evse not in circuit.evses:
                continue
            plan = allocation.plan(evse.id)
            session = evse.session
            if not (evse.online and evse.accepts_profiles):
                assert plan.state is PlanState.UNCONTROLLED and plan.limit_da is None
                assert plan.planned_da == evse.max_da
                assert set(plan.grid_phases) == grid_phases(evse, 3, allowed)
            elif session is None:
                assert plan.state is PlanState.IDLE and plan.planned_da == 0
            else:
                phases = evse.phases if session.car_phases is None else session.car_phases
                assert set(plan.grid_phases) == grid_phases(evse, phases, allowed)
                assert plan.limit_da == plan.planned_da
                if plan.state is PlanState.PAUSED:
                    assert plan.limit_da == 0
                else:
                    assert plan.state is PlanState.CHARGING
                    assert session.min_da <= plan.planned_da <= ceiling_da(evse)


@FAST
@given(sites())
def test_equal_share_gives_every_car_at_least_its_share_of_its_tightest_circuit(site: Site) -> None:
    """Under equal share a charging car gets at least the lesser of its ceiling and its share of
    its tightest circuit phase: what unsteerable chargers leave there, divided by the cars
    charging there (where no car there needs a higher minimum than that share)."""
    allocation = allocate(site, Strategy.EQUAL_SHARE, NOW)
    by_id = {e.id: e for e in site.evses}
    shares: dict[EvseId, list[int | None]] = {}
    for _, _, capacity, _, steered, fixed in loads(site, allocation):
        if not steered:
            continue
        share: int | None = (capacity - fixed) // len(steered)
        if any(_session(by_id[p.evse]).min_da > (share or 0) for p in steered):
            share = None  # a higher minimum there: no simple guarantee
        for plan in steered:
            shares.setdefault(plan.evse, []).append(share)
    for evse, evse_shares in shares.items():
        if None in evse_shares:
            continue
        tightest = min(s for s in evse_shares if s is not None)
        guarantee = min(ceiling_da(by_id[evse]), tightest)
        assert allocation.plan(evse).planned_da >= guarantee


@FAST
@given(sites(), st.data())
def test_capping_a_car_that_draws_little_takes_nothing_it_would_use(
    site: Site, data: st.DataObject
) -> None:
    """A car seen drawing less than offered is given exactly the lesser of its new ceiling and
    what it had: redistribution never takes it below either, and no car loses its minimum."""
    strategy = data.draw(st.sampled_from([Strategy.EQUAL_SHARE, Strategy.PRIORITY]))
    before = allocate(site, strategy, NOW)
    charging = [
        e
        for e in site.evses
        if before.plan(e.id).state is PlanState.CHARGING
        and not _session(e).full
        and _session(e).below_offer_since is None
    ]
    if not charging:
        return
    evse = data.draw(st.sampled_from(charging))
    peak = Decimal(data.draw(st.integers(0, 32)))
    slow = replace(
        _session(evse),
        measured_a=(peak,),
        below_offer_since=NOW - timedelta(minutes=10),
    )
    after = allocate(site.with_evses([replace(evse, session=slow)]), strategy, NOW)
    capped = site.with_evses([replace(evse, session=slow)]).evse(evse.id)
    assert after.plan(evse.id).planned_da == min(
        ceiling_da(capped), before.plan(evse.id).planned_da
    )
    charging_before = {p.evse for p in before.evses.values() if p.state is PlanState.CHARGING}
    charging_after = {p.evse for p in after.evses.values() if p.state is PlanState.CHARGING}
    if strategy is Strategy.EQUAL_SHARE:
        assert charging_after == charging_before
    else:  # what a higher level leaves may let a car of a lower level in
        assert charging_after >= charging_before


@FAST
@given(sites())
def test_priority_levels_never_feel_the_levels_below(site: Site) -> None:
    """Removing every session below the top priority changes nothing for the top level."""
    with_all = allocate(site, Strategy.PRIORITY, NOW)
    levels = [e.session.priority for e in site.evses if e.session is not None]
    if not levels:
        return
    top = max(levels)
    alone = site.with_evses(
        replace(e, session=None)
        for e in site.evses
        if e.session is not None and e.session.priority < top
    )
    only_top = allocate(alone, Strategy.PRIORITY, NOW)
    for e in site.evses:
        if e.session is not None and e.session.priority == top:
            assert only_top.plan(e.id) == with_all.plan(e.id)


@FAST
@given(sites())
def test_first_come_never_takes_from_an_earlier_car_for_a_later_one(site: Site) -> None:
    """Removing the last car in arrival order changes nobody else's plan."""
    with_all = allocate(site, Strategy.FIRST_COME, NOW)
    cars = [e for e in site.evses if e.session is not None and e.online and e.accepts_profiles]
    if not cars:
        return
    last = max(cars, key=lambda e: (_session(e).full, _session(e).started_at, e.id))
    without = allocate(site.with_evses([replace(last, session=None)]), Strategy.FIRST_COME, NOW)
    for e in cars:
        if e is not last:
            assert without.plan(e.id) == with_all.plan(e.id)


@FAST
@given(sites())
def test_station_defaults_are_safe_if_every_steerable_charger_used_them(site: Site) -> None:
    """Every steerable EVSE at its station's default on all its wiring, the rest at their
    maximum: no circuit phase over its limit (or no default at all where the rest exceed it)."""
    allocation = allocate(site, Strategy.EQUAL_SHARE, NOW)
    defaults = allocation.station_defaults_da
    for circuit, below in walk(site.root):
        for phase in circuit.grid_phases:
            fixed = at_default = 0
            for evse, allowed in below:
                if phase not in grid_phases(evse, 3, allowed):
                    continue
                if evse.online and evse.accepts_profiles:
                    at_default += defaults[evse.id.station_id]
                else:
                    fixed += evse.max_da
            capacity = capacity_da(circuit)
            assert fixed + at_default <= capacity or at_default == 0
    for station, default in defaults.items():
        hardware = max(e.max_da for e in site.evses if e.id.station_id == station)
        assert default == 0 or 60 <= default <= hardware


@FAST
@given(sites(), sites(), st.integers(0, 50).map(lambda n: Decimal(n) / 10))
def test_what_is_not_sent_is_never_above_the_plan(
    first: Site, second: Site, threshold: Decimal
) -> None:
    """After sending only `changed(...)`, every charger holds a limit at or below the new plan."""
    old = allocate(first, Strategy.EQUAL_SHARE, NOW)
    new = allocate(replace(second, id=first.id), Strategy.EQUAL_SHARE, NOW + timedelta(minutes=1))
    sent = changed(old, new, threshold)
    sent_ids = {p.evse for p in sent}
    rises_began = False
    for plan in sent:
        before = old.evses.get(plan.evse)
        assert plan.limit_da is not None
        if (
            before is not None
            and before.session_id == plan.session_id
            and before.limit_da is not None
            and plan.limit_da >= before.limit_da
        ):
            rises_began = True
            continue
        assert not rises_began, "a decrease or a new session came after an increase"
    for evse, plan in new.evses.items():
        if plan.limit_da is None or evse in sent_ids:
            continue
        before = old.evses[evse]
        assert before.session_id == plan.session_id and before.limit_da is not None
        assert before.limit_da <= plan.limit_da
        assert plan.limit_da - before.limit_da <= threshold * 10
        assert (before.limit_da == 0) == (plan.limit_da == 0)  # a resume is always sent


@FAST
@given(sites(), st.lists(st.integers(1, 40), min_size=1, max_size=6))
def test_rounds_in_a_row_keep_every_rule(site: Site, gaps: list[int]) -> None:
    """Passing each round's result to the next (the rotation's memory) never breaks a limit."""
    previous = None
    moment = NOW
    for gap in gaps:
        moment += timedelta(minutes=gap)
        previous = allocate(site, Strategy.EQUAL_SHARE, moment, previous=previous)
        for circuit, phase, capacity, planned, steered, fixed in loads(site, previous):
            assert planned <= capacity or (fixed > capacity and not steered)
            del circuit, phase
