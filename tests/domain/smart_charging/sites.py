"""Small builders for the allocator's tests: sites, EVSEs and cars in a line each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from steppe.domain.smart_charging.allocation import Allocation
from steppe.domain.smart_charging.models import (
    Circuit,
    Evse,
    EvseId,
    GridPhase,
    PhaseRotation,
    Session,
    Site,
)

NOW = datetime(2025, 11, 20, 13, 0, tzinfo=UTC)  # 18:00 in Almaty


def car(
    name: str,
    *,
    arrived_min_ago: float = 30,
    phases: int | None = 3,
    max_a: int | None = None,
    priority: int = 0,
    **extra: object,
) -> Session:
    """A car that plugged in `arrived_min_ago` minutes before NOW."""
    return Session(
        f"tx-{name}",
        NOW - timedelta(minutes=arrived_min_ago),
        priority=priority,
        car_phases=phases,
        max_current_a=None if max_a is None else Decimal(max_a),
        **extra,  # type: ignore[arg-type]
    )


def phev(name: str, **kw: object) -> Session:
    """A plug-in hybrid: one phase, 16 A at most."""
    kw.setdefault("max_a", 16)
    return car(name, phases=1, **kw)  # type: ignore[arg-type]


def evse(
    station: str,
    session: Session | None = None,
    *,
    max_a: int = 32,
    phases: int = 3,
    rotation: str = "RST",
    online: bool = True,
    profiles: bool = True,
    number: int = 1,
) -> Evse:
    return Evse(
        EvseId(station, number),
        Decimal(max_a),
        phases,
        PhaseRotation(rotation),
        online=online,
        accepts_profiles=profiles,
        session=session,
    )


def site(
    max_a: int | str, *evses: Evse, margin_a: int = 0, children: tuple[Circuit, ...] = ()
) -> Site:
    return Site(
        "almaty-1",
        Circuit("grid", Decimal(max_a), margin_a=Decimal(margin_a), evses=evses, children=children),
    )


def limits(allocation: Allocation) -> dict[str, Decimal | None]:
    """Each EVSE's limit by station id (test sites have one EVSE per station)."""
    return {plan.evse.station_id: plan.limit_a for plan in allocation.evses.values()}


def load(allocation: Allocation, circuit: str = "grid") -> tuple[Decimal, Decimal, Decimal]:
    loads = allocation.circuits[circuit]
    return (
        loads.planned_a(GridPhase.L1),
        loads.planned_a(GridPhase.L2),
        loads.planned_a(GridPhase.L3),
    )


def amps(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)
