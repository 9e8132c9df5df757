"""Where a driver may charge: the chargers of a site they accept, the sites they may drive to.

A charger is usable when the car fits one of its connectors (a profile exists). Of the usable
chargers of a site, a driver accepts those that give at least `min_power_share` of the most power
any of them gives their car: a car that charges at 120 kW on DC waits for a DC charger rather
than take a 22 kW one for hours, while a car limited to AC takes what it can. Accepted chargers
are tried most powerful first.
"""

from __future__ import annotations

import math

from steppe.planning.model import Model

EARTH_KM = 6371.0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def accepted_chargers(model: Model) -> tuple[list[list[list[int]]], list[list[bool]]]:
    """([site][kind] -> accepted chargers, most powerful first; [kind][charger] -> accepted)."""
    share = model.behaviour.min_power_share
    kinds, chargers = len(model.kinds), len(model.chargers)
    accepts = [[False] * chargers for _ in range(kinds)]
    choice: list[list[list[int]]] = []
    for site in model.sites:
        per_kind = []
        for kind in range(kinds):
            power = {
                j: profile.peak_after[0]
                for j in site.chargers
                if (profile := model.profiles[kind][j]) is not None
            }
            best = max(power.values(), default=0.0)
            chosen = sorted(
                (j for j in power if power[j] >= share * best), key=lambda j: (-power[j], j)
            )
            for j in chosen:
                accepts[kind][j] = True
            per_kind.append(chosen)
        choice.append(per_kind)
    return choice, accepts


def neighbours(model: Model, choice: list[list[list[int]]]) -> list[list[list[tuple[int, float]]]]:
    """[site][kind] -> (other site, travel seconds) within the detour limit, nearest first."""
    behaviour = model.behaviour
    result: list[list[list[tuple[int, float]]]] = []
    for a, here in enumerate(model.sites):
        near = []
        if behaviour.divert and behaviour.max_diversions > 0:
            for b, there in enumerate(model.sites):
                if b == a:
                    continue
                road = distance_km(here.lat, here.lon, there.lat, there.lon) * behaviour.road_factor
                if road <= behaviour.max_detour_km:
                    near.append((road, b))
            near.sort()
        result.append(
            [
                [(b, road / behaviour.speed_kmh * 3600) for road, b in near if choice[b][kind]]
                for kind in range(len(model.kinds))
            ]
        )
    return result
