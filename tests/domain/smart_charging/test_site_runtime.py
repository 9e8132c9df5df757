"""The pieces site load management runs around the allocator: the site built from an operator's
description, the default for the next car, and the currents read out of meter samples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from steppe.domain.smart_charging.allocator import allocate
from steppe.domain.smart_charging.defaults import idle_defaults
from steppe.domain.smart_charging.layout import EvseState, site_of
from steppe.domain.smart_charging.models import EvseId, GridPhase, Session, Strategy
from steppe.domain.smart_charging.readings import CurrentReadings, phase_currents
from steppe.domain.smart_charging.specs import SiteSpec
from steppe.domain.transactions.models import Sample

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
SPEC = SiteSpec.model_validate(
    {
        "max_current_a": "63",
        "station_ids": ["A", "B"],
        "circuits": [{"id": "board", "max_current_a": "32", "station_ids": ["C", "D"]}],
        "evses": [
            {"station_id": "B", "rotation": "STR"},
            {"station_id": "D", "evse_id": 2, "phases": 1, "rotation": "TRS"},
        ],
    }
)


def state(sessions: dict[EvseId, Session], offline: frozenset[str] = frozenset()):  # type: ignore[no-untyped-def]
    def of(evse: EvseId) -> EvseState:
        return evse.station_id not in offline, True, sessions.get(evse)

    return of


def test_the_site_holds_each_station_under_its_circuit_with_its_wiring() -> None:
    """A station with no EVSE known yet has EVSE 1, one with EVSEs seen or described has those;
    described EVSEs keep their rotation; a single-phase EVSE takes its rotation's first phase."""
    site = site_of("almaty", SPEC, {"C": {1, 2}}, state({}))
    evses = {(e.id.station_id, e.id.evse_id): e for e in site.evses}
    assert set(evses) == {("A", 1), ("B", 1), ("C", 1), ("C", 2), ("D", 2)}
    assert evses[("B", 1)].rotation.value == "STR"
    assert evses[("D", 2)].phases == 1 and evses[("D", 2)].rotation.wiring == (GridPhase.L3,)
    assert [c.id for c in site.circuits] == ["almaty", "board"]


def test_the_default_for_the_next_car_fits_beside_the_running_ones() -> None:
    """Two cars on the 32 A board take it all: D gets 0 for its next car. A and B on the grid
    connection get less than their safe default (15.6 A): the 31 A left on L3 is shared by
    three idle EVSEs there (A, B and D's single-phase one), 10.3 A each."""
    sessions = {
        EvseId("C", 1): Session("tx-c", NOW - timedelta(minutes=5), car_phases=3),
        EvseId("D", 1): Session("tx-d", NOW - timedelta(minutes=4), car_phases=3),
    }
    site = site_of("almaty", SPEC, {"D": {1, 2}}, state(sessions))
    allocation = allocate(site, Strategy.EQUAL_SHARE, NOW)
    assert allocation.limit_a(EvseId("C", 1)) == 16 and allocation.limit_a(EvseId("D", 1)) == 16
    defaults = idle_defaults(site, allocation)
    # D's EVSE 2 is idle but its board is full; C has no idle EVSE left
    assert allocation.station_defaults_da["A"] == 156
    assert defaults == {"A": 103, "B": 103, "D": 0}


def test_offline_stations_are_counted_at_their_maximum_and_leave_no_room() -> None:
    """A offline alone (32 A counted) leaves B 31 A; with C and D offline too, the grid
    connection is over on L3 by the unsteerable alone, and B's next car must wait (0)."""
    site = site_of("almaty", SPEC, {}, state({}, frozenset({"A"})))
    defaults = idle_defaults(site, allocate(site, Strategy.EQUAL_SHARE, NOW))
    assert defaults["B"] <= 310 and defaults["B"] >= 60
    site = site_of("almaty", SPEC, {}, state({}, frozenset({"A", "C", "D"})))
    allocation = allocate(site, Strategy.EQUAL_SHARE, NOW)
    assert allocation.overloaded == ("almaty", "board")
    assert idle_defaults(site, allocation) == {"B": 0}


def test_currents_are_read_per_phase_and_only_for_watched_stations() -> None:
    """The latest Current.Import per phase; an unwatched station costs nothing and is not kept."""
    at = NOW
    samples = [
        Sample(at, "Current.Import", Decimal("15.9"), "A", "L1"),
        Sample(at, "Current.Import", Decimal("16.1"), "A", "L3"),
        Sample(at, "Voltage", Decimal(230), "V", "L1-N"),
        Sample(at - timedelta(seconds=10), "Current.Import", Decimal(2), "A", "L1"),
    ]
    assert phase_currents(samples) == (Decimal("15.9"), Decimal(0), Decimal("16.1"))
    readings = CurrentReadings()
    readings.watch(["A"])
    readings.note("Z", 1, "tx", samples)
    assert not readings.noted.is_set()
    readings.note("A", 1, "tx", samples)
    assert readings.noted.is_set()
    assert readings.take() == {("A", 1, "tx"): (Decimal("15.9"), Decimal(0), Decimal("16.1"))}
    assert readings.take() == {} and not readings.noted.is_set()
