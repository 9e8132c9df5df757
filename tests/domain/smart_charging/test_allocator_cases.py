"""Hand-made sites whose right answers can be worked out on paper: Almaty's 63 A site with eight
chargers, a 32 A site with three cars, boards, single-phase wiring, chargers out of reach."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise

import pytest

from steppe.domain.smart_charging.allocation import PlanState, Reason
from steppe.domain.smart_charging.allocator import allocate, changed
from steppe.domain.smart_charging.models import (
    Circuit,
    Evse,
    EvseId,
    GridPhase,
    PhaseRotation,
    Session,
    Site,
    Strategy,
)
from steppe.errors import InvalidInput

from .sites import NOW, amps, car, evse, limits, load, phev, site

EQUAL = Strategy.EQUAL_SHARE
ROTATIONS = ("RST", "STR", "TRS")


def almaty(phev_phases: int | None = 1, *, phev_rotation: str | None = None) -> Site:
    """63 A on three phases, eight 22 kW chargers: five BEVs, three single-phase hybrids."""
    evses = []
    for i in range(8):
        rotation = ROTATIONS[i % 3]
        if i < 5:
            session = car(f"bev{i}", arrived_min_ago=60 - i)
        else:
            session = phev(f"phev{i}", arrived_min_ago=60 - i)
            session = Session(
                session.id,
                session.started_at,
                car_phases=phev_phases,
                max_current_a=session.max_current_a,
            )
            rotation = phev_rotation or rotation
        evses.append(evse(f"ALA-{i + 1}", session, rotation=rotation))
    return site(63, *evses)


def test_eight_cars_on_rotated_phases_share_63_amps_evenly() -> None:
    """Five BEVs and three hybrids, one hybrid per grid phase: six cars a phase, 10.5 A each."""
    allocation = allocate(almaty(), EQUAL, NOW)
    assert set(limits(allocation).values()) == {Decimal("10.5")}
    assert load(allocation) == amps("63.0", "63.0", "63.0")
    hybrid = allocation.plan(EvseId("ALA-6", 1))
    assert hybrid.grid_phases == (GridPhase.L3,) and hybrid.number_phases == 1


def test_hybrids_not_yet_measured_count_on_every_phase_until_a_reading_shows_one() -> None:
    """Until a hybrid is seen drawing on one phase it is counted on three: 7.8 A for everyone."""
    unknown = almaty(phev_phases=None)
    allocation = allocate(unknown, EQUAL, NOW)
    assert set(limits(allocation).values()) == {Decimal("7.8")}

    measured = unknown.with_evses(
        _measured(e, (Decimal("7.8"), Decimal(0), Decimal("0.1"))) for e in unknown.evses[5:]
    )
    assert all(e.session is not None and e.session.car_phases == 1 for e in measured.evses[5:])
    assert set(limits(allocate(measured, EQUAL, NOW)).values()) == {Decimal("10.5")}


def test_hybrids_wired_to_the_same_phase_hold_back_every_three_phase_car() -> None:
    """All three hybrids on grid L1: eight cars on L1 at 7.8 A, and L2 and L3 left half empty."""
    allocation = allocate(almaty(phev_rotation="RST"), EQUAL, NOW)
    assert set(limits(allocation).values()) == {Decimal("7.8")}
    assert load(allocation) == amps("62.4", "39.0", "39.0")


def test_three_cars_on_32_amps_get_a_third_each_and_more_when_one_leaves() -> None:
    """32 A, three cars: 10.6 A each; one unplugs and the other two rise to 16 A."""
    three = site(32, *(evse(f"S{i}", car(f"c{i}")) for i in range(3)))
    first = allocate(three, EQUAL, NOW)
    assert list(limits(first).values()) == [Decimal("10.6")] * 3

    gone = three.with_evses([evse("S1")])
    second = allocate(gone, EQUAL, NOW + timedelta(seconds=30), previous=first)
    assert limits(second) == {"S0": Decimal("16.0"), "S1": None, "S2": Decimal("16.0")}
    assert second.plan(EvseId("S1", 1)).state is PlanState.IDLE
    assert load(second) == amps("32.0", "32.0", "32.0")


def test_a_car_that_cannot_have_six_amps_is_paused_and_the_rest_share_the_room() -> None:
    """Six cars on 32 A: five at 6.4 A, and the latest arrival paused rather than given 5.3 A."""
    six = site(32, *(evse(f"S{i}", car(f"c{i}", arrived_min_ago=60 - 10 * i)) for i in range(6)))
    allocation = allocate(six, EQUAL, NOW)
    assert limits(allocation) == {
        **{f"S{i}": Decimal("6.4") for i in range(5)},
        "S5": Decimal("0.0"),
    }
    paused = allocation.plan(EvseId("S5", 1))
    assert paused.state is PlanState.PAUSED and paused.reason is Reason.NO_ROOM
    assert paused.circuit_id == "grid"


def test_paused_cars_take_turns_without_flapping() -> None:
    """Six cars, room for five, a round a minute for three hours: each waits its turn, a dwell at
    a time, and nobody changes state twice within a dwell."""
    six = site(32, *(evse(f"S{i}", car(f"c{i}", arrived_min_ago=20 - i)) for i in range(6)))
    dwell = timedelta(minutes=15)
    previous = None
    changes: dict[str, list[int]] = {f"S{i}": [] for i in range(6)}
    paused_minutes = dict.fromkeys(changes, 0)
    state: dict[str, Decimal | None] = {}
    for minute in range(180):
        previous = allocate(six, EQUAL, NOW + timedelta(minutes=minute), previous=previous)
        now_limits = limits(previous)
        assert sorted(now_limits.values()) == [Decimal(0)] + [Decimal("6.4")] * 5
        for station, limit in now_limits.items():
            if station in state and state[station] != limit:
                changes[station].append(minute)
            if limit == 0:
                paused_minutes[station] += 1
        state = now_limits
    for moments in changes.values():
        assert all(b - a >= dwell.total_seconds() / 60 for a, b in pairwise(moments))
    # 180 minutes of one pause shared by six cars: about 30 minutes each, in 15-minute turns
    assert all(15 <= minutes <= 45 for minutes in paused_minutes.values()), paused_minutes


def test_a_full_board_does_not_hold_back_a_car_on_another_board() -> None:
    """63 A site, two 32 A boards: four cars share board 1 at 8 A; the lone car on board 2 takes
    what the site has left, 31 A."""
    board_1 = Circuit(
        "board-1", Decimal(32), evses=tuple(evse(f"A{i}", car(f"a{i}")) for i in range(4))
    )
    board_2 = Circuit("board-2", Decimal(32), evses=(evse("B0", car("b0")),))
    allocation = allocate(site(63, children=(board_1, board_2)), EQUAL, NOW)
    assert limits(allocation) == {
        **{f"A{i}": Decimal("8.0") for i in range(4)},
        "B0": Decimal("31.0"),
    }
    assert load(allocation, "board-1") == amps("32.0", "32.0", "32.0")
    assert load(allocation) == amps("63.0", "63.0", "63.0")
    lone = allocation.plan(EvseId("B0", 1))
    assert lone.reason is Reason.CIRCUIT and lone.circuit_id == "grid"


def test_a_margin_is_kept_free() -> None:
    """32 A with a 2 A margin: three cars plan within 30 A."""
    allocation = allocate(
        site(32, *(evse(f"S{i}", car(f"c{i}")) for i in range(3)), margin_a=2), EQUAL, NOW
    )
    assert list(limits(allocation).values()) == [Decimal("10.0")] * 3


def test_an_offline_charger_is_counted_at_its_hardware_maximum() -> None:
    """A 32 A charger that lost its link may be running anything up to 32 A: three cars share the
    31 A left of 63."""
    allocation = allocate(
        site(
            63,
            evse("OFF", car("x"), online=False),
            *(evse(f"S{i}", car(f"c{i}")) for i in range(3)),
        ),
        EQUAL,
        NOW,
    )
    offline = allocation.plan(EvseId("OFF", 1))
    assert offline.state is PlanState.UNCONTROLLED and offline.reason is Reason.OFFLINE
    assert offline.limit_a is None and offline.planned_a == Decimal(32)
    assert [limits(allocation)[f"S{i}"] for i in range(3)] == [Decimal("10.3")] * 3
    assert allocation.circuits["grid"].uncontrolled_da == (320, 320, 320)


def test_a_charger_refusing_profiles_is_counted_on_its_own_phase_at_its_maximum() -> None:
    """A single-phase charger on L2 that refuses profiles takes 32 A of L2 only."""
    allocation = allocate(
        site(
            63,
            evse("DUMB", car("x", phases=1), phases=1, rotation="L2", profiles=False),
            *(evse(f"S{i}", car(f"c{i}")) for i in range(3)),
        ),
        EQUAL,
        NOW,
    )
    assert allocation.plan(EvseId("DUMB", 1)).reason is Reason.NO_PROFILES
    assert [limits(allocation)[f"S{i}"] for i in range(3)] == [Decimal("10.3")] * 3
    assert load(allocation) == amps("30.9", "62.9", "30.9")


@pytest.mark.parametrize("strategy", list(Strategy))
def test_unsteerable_chargers_beyond_the_limit_pause_everyone_else_and_are_reported(
    strategy: Strategy,
) -> None:
    """Two offline 32 A chargers on 63 A: nothing the allocator does can help; the car it can
    steer is paused and the grid connection is reported overloaded."""
    allocation = allocate(
        site(63, evse("OFF1", online=False), evse("OFF2", online=False), evse("S0", car("c0"))),
        strategy,
        NOW,
    )
    assert limits(allocation)["S0"] == Decimal(0)
    assert allocation.overloaded == ("grid",)


def test_each_station_gets_a_default_that_is_safe_if_every_charger_used_it() -> None:
    """Eight idle 32 A chargers on 63 A: a TxDefaultProfile of 7.8 A each; three chargers: 21 A."""
    eight = allocate(site(63, *(evse(f"S{i}") for i in range(8))), EQUAL, NOW)
    assert {eight.station_default_a(f"S{i}") for i in range(8)} == {Decimal("7.8")}
    assert all(plan.state is PlanState.IDLE for plan in eight.evses.values())
    three = allocate(site(63, *(evse(f"S{i}") for i in range(3))), EQUAL, NOW)
    assert three.station_default_a("S0") == Decimal("21.0")


def test_a_default_below_six_amps_is_zero() -> None:
    """With one 32 A charger offline, seven would get 4.4 A each: too little to charge, so 0."""
    allocation = allocate(
        site(63, evse("OFF", online=False), *(evse(f"S{i}") for i in range(7))), EQUAL, NOW
    )
    assert {allocation.station_default_a(f"S{i}") for i in range(7)} == {Decimal(0)}
    assert "OFF" not in allocation.station_defaults_da


def test_priority_serves_the_fleet_in_full_first() -> None:
    """32 A: a fleet car (priority 1, 16 A at most) gets 16 A; three visitors share the other 16:
    two at 8 A, the latest paused. Equal share would give all four 8 A."""
    cars = site(
        32,
        evse("FLEET", car("f", arrived_min_ago=5, priority=1, max_a=16)),
        *(evse(f"V{i}", car(f"v{i}", arrived_min_ago=40 - 10 * i)) for i in range(3)),
    )
    assert limits(allocate(cars, Strategy.PRIORITY, NOW)) == {
        "FLEET": Decimal("16.0"),
        "V0": Decimal("8.0"),
        "V1": Decimal("8.0"),
        "V2": Decimal("0.0"),
    }
    assert set(limits(allocate(cars, EQUAL, NOW)).values()) == {Decimal("8.0")}


def test_first_come_first_served_fills_each_car_in_arrival_order() -> None:
    """16 A chargers on 32 A: the first two arrivals get 16 A, the third waits."""
    cars = site(
        32, *(evse(f"S{i}", car(f"c{i}", arrived_min_ago=30 - 10 * i), max_a=16) for i in range(3))
    )
    assert limits(allocate(cars, Strategy.FIRST_COME, NOW)) == {
        "S0": Decimal("16.0"),
        "S1": Decimal("16.0"),
        "S2": Decimal("0.0"),
    }
    assert set(limits(allocate(cars, EQUAL, NOW)).values()) == {Decimal("10.6")}


def test_what_a_car_leaves_unused_goes_to_the_others_after_it_has_settled() -> None:
    """A nearly full car draws 4 A of 10.6 for five minutes: it is offered 6 A (4 A + 2 A
    headroom, and never below its minimum) and the other two rise to 13 A. After one minute
    only, nothing moves yet."""

    def cars(since_min: int) -> Site:
        slow = car(
            "slow",
            measured_a=amps("4", "4", "4"),
            below_offer_since=NOW - timedelta(minutes=since_min),
        )
        return site(32, evse("A", car("a")), evse("B", car("b")), evse("SLOW", slow))

    settled = allocate(cars(5), EQUAL, NOW)
    assert limits(settled) == {"A": Decimal("13.0"), "B": Decimal("13.0"), "SLOW": Decimal("6.0")}
    assert settled.plan(EvseId("SLOW", 1)).reason is Reason.CAR_DEMAND
    assert set(limits(allocate(cars(1), EQUAL, NOW)).values()) == {Decimal("10.6")}


def test_a_car_that_draws_close_to_its_offer_again_gets_its_share_back() -> None:
    """The capped car draws 5.5 of its 6 A: the reading clears its 'below offer' mark."""
    slow = car("slow", measured_a=amps("4", "4", "4"), below_offer_since=NOW - timedelta(minutes=5))
    again = slow.with_measurement(amps("5.5", "5.5", "5.5"), Decimal(6), NOW)
    assert again.below_offer_since is None
    lower = slow.with_measurement(amps("3", "3", "3"), Decimal(6), NOW)
    assert lower.below_offer_since == slow.below_offer_since  # the run goes on


def test_a_full_car_keeps_only_its_minimum_and_yields_it_first() -> None:
    """A full car keeps 6 A when there is room; on a crowded site it is the one paused."""
    roomy = site(
        32,
        evse("A", car("a")),
        evse("B", car("b")),
        evse("FULL", car("f", full=True, arrived_min_ago=90)),
    )
    assert limits(allocate(roomy, EQUAL, NOW)) == {
        "A": Decimal("13.0"),
        "B": Decimal("13.0"),
        "FULL": Decimal("6.0"),
    }
    crowded = site(
        32,
        evse("FULL", car("f", full=True, arrived_min_ago=90)),
        *(evse(f"S{i}", car(f"c{i}")) for i in range(5)),
    )
    assert limits(allocate(crowded, EQUAL, NOW))["FULL"] == Decimal(0)


def test_a_single_phase_board_carries_its_own_phase_only() -> None:
    """A 20 A single-phase board on L2 with two single-phase chargers: 10 A each, all on L2."""
    board = Circuit(
        "board-L2",
        Decimal(20),
        phases=1,
        phase=GridPhase.L2,
        evses=(
            evse("P0", phev("p0"), phases=1, rotation="L2"),
            evse("P1", phev("p1"), phases=1, rotation="Unknown"),
        ),
    )
    allocation = allocate(site(63, children=(board,)), EQUAL, NOW)
    assert limits(allocation) == {"P0": Decimal("10.0"), "P1": Decimal("10.0")}
    assert load(allocation) == amps("0.0", "20.0", "0.0")
    assert allocation.circuits["board-L2"].capacity_da == (None, 200, None)


def test_a_car_on_a_charger_of_unknown_rotation_is_counted_on_every_phase() -> None:
    """A hybrid on a charger whose rotation nobody recorded may be on any phase: counted on all
    three, it holds the hybrid on L2 to 12 A; with rotation RST that one could have 16 A."""

    def cars(rotation: str) -> Site:
        return site(
            24,
            evse("U", phev("u"), rotation=rotation),
            evse("A", phev("a"), phases=1, rotation="L1"),
            evse("B", phev("b"), phases=1, rotation="L2"),
        )

    assert limits(allocate(cars("Unknown"), EQUAL, NOW)) == {
        "U": Decimal("12.0"),
        "A": Decimal("12.0"),
        "B": Decimal("12.0"),
    }
    assert limits(allocate(cars("RST"), EQUAL, NOW))["B"] == Decimal("16.0")


@pytest.mark.parametrize(
    ("text", "rotation"),
    [
        ("STR", PhaseRotation.STR),
        ("L3", PhaseRotation.L3),
        ("Sxx", PhaseRotation.L2),
        ("NotApplicable", PhaseRotation.UNKNOWN),
        ("Unknown", PhaseRotation.UNKNOWN),
    ],
)
def test_rotations_are_read_as_ocpp_and_operators_write_them(
    text: str, rotation: PhaseRotation
) -> None:
    """OCPP 1.6 and 2.0.1 spellings and the single-phase shorthand all map to one rotation."""
    assert PhaseRotation.parse(text) is rotation


def test_a_car_seen_on_more_phases_than_known_is_counted_on_them() -> None:
    """A car known as single-phase that draws on three is counted on three from that reading on."""
    session = phev("p").with_measurement(amps("10", "10", "10"), Decimal(16), NOW)
    assert session.car_phases == 3


def test_a_charger_weaker_than_the_minimum_never_charges() -> None:
    """A 5 A charger cannot offer the 6 A an AC car needs: paused, and it says why."""
    plan = allocate(site(32, evse("WEAK", car("w"), max_a=5)), EQUAL, NOW).plan(EvseId("WEAK", 1))
    assert plan.state is PlanState.PAUSED and plan.reason is Reason.EVSE_MAX


@pytest.mark.parametrize(
    "build",
    [
        lambda: Evse(EvseId("A", 1), 32.0),  # type: ignore[arg-type]
        lambda: Evse(EvseId("A", 1), Decimal(-1)),
        lambda: Evse(EvseId("A", 1), Decimal(32), 3, PhaseRotation.L1),
        lambda: Circuit("c", Decimal(32), phases=1),
        lambda: Circuit("c", Decimal(32), phase=GridPhase.L1),
        lambda: site(32, evse("A"), evse("A")),
        lambda: Site("s", Circuit("c", Decimal(32), children=(Circuit("c", Decimal(10)),))),
        lambda: site(
            63,
            children=(Circuit("b", Decimal(20), phases=1, phase=GridPhase.L2, evses=(evse("A"),)),),
        ),
        lambda: site(
            63,
            children=(
                Circuit(
                    "b",
                    Decimal(20),
                    phases=1,
                    phase=GridPhase.L2,
                    evses=(evse("A", phases=1, rotation="L1"),),
                ),
            ),
        ),
        lambda: car("c", phases=4),
        lambda: PhaseRotation.parse("XYZ"),
    ],
)
def test_a_site_that_cannot_be_built_is_refused_with_a_reason(build: object) -> None:
    """Floats, negative currents, impossible wiring and duplicate ids are refused."""
    with pytest.raises(InvalidInput):
        build()  # type: ignore[operator]


def test_an_allocation_needs_an_aware_moment_and_a_known_strategy() -> None:
    """A naive datetime is refused rather than taken for UTC; a strategy may come as its name."""
    with pytest.raises(InvalidInput):
        allocate(site(32), EQUAL, NOW.replace(tzinfo=None))
    with pytest.raises(InvalidInput):
        allocate(site(32), "fairest", NOW)  # type: ignore[arg-type]
    cars = site(
        32, *(evse(f"S{i}", car(f"c{i}", arrived_min_ago=30 - 10 * i), max_a=16) for i in range(3))
    )
    by_name = allocate(cars, "first_come", NOW)  # type: ignore[arg-type]
    assert by_name.strategy is Strategy.FIRST_COME and limits(by_name)["S2"] == Decimal(0)


def _measured(e: Evse, currents: tuple[Decimal, ...]) -> Evse:
    assert e.session is not None
    return Evse(
        e.id,
        e.max_current_a,
        e.phases,
        e.rotation,
        session=e.session.with_measurement(currents, Decimal("7.8"), NOW),
    )


def test_only_limits_that_moved_enough_are_sent_and_decreases_go_first() -> None:
    """Three cars at 10.6 A; a fourth arrives: the three drop to 8 A (sent, first), the new
    car's 8 A is sent; when it leaves again, a rise of 2.6 A is sent with a 1 A threshold, not
    with a 5 A one."""
    three = site(32, *(evse(f"S{i}", car(f"c{i}")) for i in range(3)), evse("NEW"))
    first = allocate(three, EQUAL, NOW)
    arrived = three.with_evses([evse("NEW", car("new", arrived_min_ago=0))])
    second = allocate(arrived, EQUAL, NOW + timedelta(minutes=1), previous=first)
    sent = changed(first, second, Decimal(1))
    assert [(p.evse.station_id, p.limit_a) for p in sent] == [
        ("S0", Decimal("8.0")),
        ("S1", Decimal("8.0")),
        ("S2", Decimal("8.0")),
        ("NEW", Decimal("8.0")),
    ]
    third = allocate(three, EQUAL, NOW + timedelta(minutes=2), previous=second)
    assert [p.evse.station_id for p in changed(second, third, Decimal(1))] == ["S0", "S1", "S2"]
    assert changed(second, third, Decimal(5)) == ()


def test_a_small_decrease_and_a_resume_are_always_sent() -> None:
    """However high the threshold, 0.1 A less is sent (a circuit counts on it), and so is a
    paused car's resume."""
    six = site(32, *(evse(f"S{i}", car(f"c{i}", arrived_min_ago=60 - 10 * i)) for i in range(6)))
    crowded = allocate(six, EQUAL, NOW)
    assert limits(crowded)["S5"] == Decimal(0)
    five = six.with_evses([evse("S0")])  # one leaves: 32 A for five, 6.4 A each
    roomier = allocate(five, EQUAL, NOW + timedelta(minutes=1), previous=crowded)
    assert [(p.evse.station_id, p.limit_a) for p in changed(crowded, roomier, Decimal(10))] == [
        ("S5", Decimal("6.4"))
    ]
    margin = Site(five.id, replace(five.root, margin_a=Decimal("0.5")))
    tighter = allocate(margin, EQUAL, NOW + timedelta(minutes=2), previous=roomier)
    sent = changed(roomier, tighter, Decimal(10))
    assert {p.limit_a for p in sent} == {Decimal("6.3")} and len(sent) == 5
