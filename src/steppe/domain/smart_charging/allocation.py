"""What the allocator decides: a plan per EVSE, the load each circuit is planned to carry, and the
safe default limit per station.

Currents are whole deci-amperes per phase (`*_da`); the `*_a` properties give `Decimal` amperes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from steppe.domain.smart_charging.models import EvseId, GridPhase, Strategy
from steppe.domain.smart_charging.units import amps


class PlanState(StrEnum):
    CHARGING = "charging"  # a session given at least its minimum
    PAUSED = "paused"  # a session given 0 A: its minimum does not fit now
    IDLE = "idle"  # no session: counted 0 A, its station's default profile covers a new one
    UNCONTROLLED = "uncontrolled"  # offline or refusing profiles: counted at its hardware maximum


class Reason(StrEnum):
    """What set an EVSE's figure."""

    CIRCUIT = "circuit"  # a circuit phase on its way to the grid is full (`circuit_id`)
    EVSE_MAX = "evse_max"  # the EVSE's hardware maximum
    CAR_MAX = "car_max"  # the car's own maximum
    CAR_DEMAND = "car_demand"  # the car draws less than offered: measured current + headroom
    CAR_FULL = "car_full"  # the car is full: it keeps only its minimum
    NO_ROOM = "no_room"  # paused: its minimum does not fit (`circuit_id` names where)
    NO_SESSION = "no_session"
    OFFLINE = "offline"
    NO_PROFILES = "no_profiles"


@dataclass(frozen=True, slots=True)
class EvsePlan:
    """The decision for one EVSE.

    `limit_da` is what to send as the session's limit per phase (0 pauses it); None when there is
    nothing to send (no session, or the EVSE cannot be steered). `planned_da` is the current per
    phase the plan counts on `grid_phases`. `number_phases` is the phase count the limit is meant
    for (a profile's `numberPhases`). `since` is when a charging session was last given current,
    or since when a paused one has been waiting; the next round reads it to rotate fairly.
    """

    evse: EvseId
    state: PlanState
    limit_da: int | None
    planned_da: int
    grid_phases: tuple[GridPhase, ...]
    number_phases: int
    reason: Reason
    circuit_id: str | None = None
    session_id: str | None = None
    since: datetime | None = None

    @property
    def limit_a(self) -> Decimal | None:
        return None if self.limit_da is None else amps(self.limit_da)

    @property
    def planned_a(self) -> Decimal:
        return amps(self.planned_da)


@dataclass(frozen=True, slots=True)
class CircuitLoad:
    """A circuit's plan per grid phase (L1, L2, L3).

    `capacity_da` is its limit less its margin, None on a phase it does not carry; `planned_da`
    the sum of what every EVSE below it is counted at; `uncontrolled_da` the part of that the
    allocator cannot steer (offline or profile-refusing EVSEs at their hardware maximum).
    """

    circuit_id: str
    capacity_da: tuple[int | None, int | None, int | None]
    planned_da: tuple[int, int, int]
    uncontrolled_da: tuple[int, int, int]

    @property
    def overloaded(self) -> bool:
        """Whether the plan exceeds a phase: only ever because of uncontrolled EVSEs."""
        return any(
            cap is not None and planned > cap
            for cap, planned in zip(self.capacity_da, self.planned_da, strict=True)
        )

    def planned_a(self, phase: GridPhase) -> Decimal:
        return amps(self.planned_da[phase])


@dataclass(frozen=True, slots=True)
class Allocation:
    """One round's decisions for a site; pass it back as `previous` to the next round."""

    site_id: str
    at: datetime
    strategy: Strategy
    evses: Mapping[EvseId, EvsePlan]
    circuits: Mapping[str, CircuitLoad]
    station_defaults_da: Mapping[str, int]
    # What the station defaults were computed from; the next round reuses them while it holds.
    defaults_basis: tuple[object, ...] = field(default=(), repr=False, compare=False)

    def plan(self, evse: EvseId) -> EvsePlan:
        return self.evses[evse]

    def limit_a(self, evse: EvseId) -> Decimal | None:
        return self.evses[evse].limit_a

    def station_default_a(self, station_id: str) -> Decimal:
        """The limit per phase the station's TxDefaultProfile should carry (0: wait for ours)."""
        return amps(self.station_defaults_da[station_id])

    @property
    def overloaded(self) -> tuple[str, ...]:
        """Circuits whose uncontrolled EVSEs alone can exceed them: an operator must look."""
        return tuple(c.circuit_id for c in self.circuits.values() if c.overloaded)
