"""The safe default limit per station: what its TxDefaultProfile should carry.

If every charger lost its link to Steppe, each new session would start at its station's default
profile. The safe default is the highest limit per phase, shared fairly among stations, such that
every steerable EVSE of the site charging at its station's default on every phase it is wired to
(the car's phases are not known yet), with the EVSEs Steppe cannot steer at their hardware
maximum, keeps every circuit phase within its limit less its margin. A share below the minimum an
AC car can be offered (6 A) is reported as 0: such a station's new cars wait for their own limit.

It depends only on the tree and on which EVSEs are steerable, not on the sessions, so it changes
rarely; sending it is a matter for whoever wires this to OCPP. docs/smart-charging.md explains
why the sessions running when a link is lost are a separate matter.
"""

from __future__ import annotations

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
