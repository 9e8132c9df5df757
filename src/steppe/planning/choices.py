"""Where a driver may charge: the chargers of a site they accept, the sites they may drive to.

A charger is usable when the car fits one of its connectors (a profile exists). Of the usable
chargers of a site in service, a driver accepts those that give at least `min_power_share` of
the most power any of them gives their car (the event loop keeps that best power up to date as
chargers go into service): a car that charges at 120 kW on DC waits for a DC charger rather than
take a 22 kW one for hours, while a car limited to AC takes what it can. Accepted chargers are
tried most powerful first.
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


def usable_chargers(model: Model) -> tuple[list[list[list[int]]], list[list[float]]]:
    """([site][kind] -> chargers the car can use, most powerful first; [kind][charger] -> the
    most the car draws there, 0 where it cannot)."""
    power = [
        [0.0 if profile is None else profile.peak_after[0] for profile in per_charger]
        for per_charger in model.profiles
    ]
    choice = [
        [_best_first(site.chargers, power[kind]) for kind in range(len(model.kinds))]
        for site in model.sites
    ]
    return choice, power


def _best_first(chargers: tuple[int, ...], power: list[float]) -> list[int]:
    usable = [j for j in chargers if power[j] > 0]
    return sorted(usable, key=lambda j: (-power[j], j))


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
