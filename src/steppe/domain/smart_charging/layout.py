"""The allocator's `Site` built from an operator's `SiteSpec` and what is known now: which EVSEs
each station has, which are online and take profiles, and the sessions on them."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from steppe.domain.smart_charging.models import (
    Circuit,
    Evse,
    EvseId,
    GridPhase,
    PhaseRotation,
    Session,
    Site,
)
from steppe.domain.smart_charging.specs import CircuitSpec, EvseSpec, SiteSpec

# online, accepts profiles, session
EvseState = tuple[bool, bool, Session | None]


def _phase(name: str | None) -> GridPhase | None:
    return None if name is None else GridPhase(int(name[1]) - 1)


def site_of(
    site_id: str,
    spec: SiteSpec,
    evse_ids: Mapping[str, set[int]],
    state: Callable[[EvseId], EvseState],
) -> Site:
    """The allocator's site: each station's known EVSEs (EVSE 1 when none is known yet, so an
    offline station is still counted at its maximum) under the circuit that lists it."""
    described = {(e.station_id, e.evse_id): e for e in spec.evses}

    def evses_of(station_ids: list[str], circuit_phases: int) -> tuple[Evse, ...]:
        made: list[Evse] = []
        for station_id in station_ids:
            numbers = set(evse_ids.get(station_id, ()))
            numbers |= {n for (s, n) in described if s == station_id}
            for number in sorted(numbers or {1}):
                known = described.get((station_id, number))
                made.append(_evse(spec, known, station_id, number, circuit_phases, state))
        return tuple(made)

    def circuit(c: CircuitSpec) -> Circuit:
        return Circuit(
            c.id,
            c.max_current_a,
            phases=c.phases,
            phase=_phase(c.phase),
            margin_a=c.margin_a,
            children=tuple(circuit(child) for child in c.circuits),
            evses=evses_of(c.station_ids, c.phases),
        )

    root = Circuit(
        site_id,
        spec.max_current_a,
        phases=spec.phases,
        phase=_phase(spec.phase) if spec.phases == 1 else None,
        margin_a=spec.margin_a,
        children=tuple(circuit(c) for c in spec.circuits),
        evses=evses_of(spec.station_ids, spec.phases),
    )
    return Site(site_id, root)


def _evse(
    spec: SiteSpec,
    described: EvseSpec | None,
    station_id: str,
    number: int,
    circuit_phases: int,
    state: Callable[[EvseId], EvseState],
) -> Evse:
    evse_id = EvseId(station_id, number)
    online, accepts, session = state(evse_id)
    phases = circuit_phases if described is None or described.phases is None else described.phases
    maximum = spec.evse_max_current_a
    rotation = PhaseRotation.RST if phases == 3 else PhaseRotation.UNKNOWN
    if described is not None:
        maximum = described.max_current_a or maximum
        rotation = PhaseRotation(described.rotation)
    if phases == 1 and rotation.wiring is not None and len(rotation.wiring) == 3:
        rotation = PhaseRotation(f"L{int(rotation.wiring[0]) + 1}")
    return Evse(
        evse_id,
        maximum,
        phases=phases,
        rotation=rotation,
        online=online,
        accepts_profiles=accepts,
        session=session,
    )
