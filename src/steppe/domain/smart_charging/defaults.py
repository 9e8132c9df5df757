"""The safe default limit per station: what its TxDefaultProfile should carry.

If every charger lost its link to Steppe, each new session would start at its station's default
profile. The safe default is the highest limit per phase, shared fairly among stations, such that
every steerable EVSE of the site charging at its station's default on every phase it is wired to
(the car's phases are not known yet), with the EVSEs Steppe cannot steer at their hardware
maximum, keeps every circuit phase within its limit less its margin. A share below the minimum an
AC car can be offered (6 A) is reported as 0: such a station's new cars wait for their own limit.

It depends only on the tree and on which EVSEs are steerable, not on the sessions, so it changes
rarely. What site load management sends (`idle_defaults`) is the lesser of it and a share of
what the current plan leaves free, so that cars arriving now fit beside the running ones.
"""

from __future__ import annotations

from steppe.domain.smart_charging.allocation import Allocation
from steppe.domain.smart_charging.filling import admit, fill
from steppe.domain.smart_charging.models import MIN_CURRENT_A, Site
from steppe.domain.smart_charging.units import deciamps_up


def station_defaults(site: Site, free: list[int]) -> dict[str, int]:
    """Each station's safe default in deci-amperes per phase.

    `free` is what each constraint has left once the EVSEs Steppe cannot steer are counted; it
    is not changed. A station whose EVSEs are all unsteerable is not listed.
    """
    slack = list(free)
    floor = deciamps_up(MIN_CURRENT_A)
    keys: dict[str, list[int]] = {}
    ceilings: dict[str, int] = {}
    for j, evse in enumerate(site.evses):
        if not evse.controllable:
            continue
        station = evse.id.station_id
        keys.setdefault(station, []).extend(site.keys[j][evse.phases - 1])
        ceilings[station] = max(ceilings.get(station, 0), evse.max_da)
    out = dict.fromkeys(keys, 0)
    stations = [s for s in keys if admit(slack, 0, keys[s])]  # no room at all: 0
    levels, _ = fill(
        slack, [0] * len(stations), [ceilings[s] for s in stations], [keys[s] for s in stations]
    )
    for station, level in zip(stations, levels, strict=True):
        out[station] = level if level >= floor else 0
    return out


def idle_defaults(site: Site, allocation: Allocation) -> dict[str, int]:
    """Each station's default for the cars that may arrive now, in deci-amperes per phase.

    The safe default above covers the state in which every car charges at its default; a car
    that arrives while others run on their TxProfiles starts at its default on top of them. So
    the default sent is also held within what the plan leaves free: on every circuit phase, the
    idle steerable EVSEs below it, each counted at its station's default on every phase it is
    wired to, fit in the circuit's capacity less what is planned there. A share under 6 A is 0
    (a new car waits for its own limit). Stations with no idle steerable EVSE are not listed:
    their default applies to no car now.
    """
    free: list[int] = []
    for circuit in site.circuits:
        load = allocation.circuits[circuit.id]
        for cap, planned in zip(load.capacity_da, load.planned_da, strict=True):
            free.append(max(cap - planned, 0) if cap is not None else 1 << 40)
    idle: list[tuple[str, tuple[int, ...]]] = []
    count = [0] * len(free)
    for j, evse in enumerate(site.evses):
        if evse.session is not None or not evse.controllable:
            continue
        keys = site.keys[j][evse.phases - 1]
        idle.append((evse.id.station_id, keys))
        for key in keys:
            count[key] += 1
    floor = deciamps_up(MIN_CURRENT_A)
    out: dict[str, int] = {}
    for station, keys in idle:
        share = min(
            (free[key] // count[key] for key in keys),
            default=0,
        )
        limit = min(
            out.get(station, 1 << 40), allocation.station_defaults_da.get(station, 0), share
        )
        out[station] = limit
    return {station: (limit if limit >= floor else 0) for station, limit in out.items()}
