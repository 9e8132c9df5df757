"""A catalogue car plugged into a simulated charger: it draws power along its own curve.

At each step the car draws `power_at(vehicle, outlet, soc)` (its on-board charger on AC, its DC
curve on DC, never more than the outlet's rating), lowered further by the charging limit the
charger holds for that connector or for the whole station; the energy metered in the step raises
the state of charge by what reaches the battery (losses as `compatibility` counts them). So a
GB/T DC car on a 120 kW gun starts near its peak and tapers past 50 %, and a limit sent by the
server shows at once in the power it reports.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from steppe.domain.stations.models import Connector
from steppe.domain.vehicles.compatibility import AC_LOSS, DC_LOSS, fit, power_at
from steppe.domain.vehicles.models import Vehicle

SUB_STEP_S = 30.0  # simulated seconds over which the power is taken as constant


def outlet(connector: int, standard: str, power_kw: float) -> Connector:
    """A simulated charger's connector as the compatibility rules see it."""
    return Connector(
        evse_id=connector,
        connector_id=1,
        status="Available",
        standard=standard,
        max_power_kw=str(power_kw),
    )


class CarSession:
    """One car's charge on one outlet, from its arrival state of charge up to its target."""

    __slots__ = ("_efficiency", "dc", "outlet", "power_w", "soc", "target_soc", "vehicle")

    def __init__(self, vehicle: Vehicle, plugged: Connector, soc: float, target_soc: float) -> None:
        found = fit(vehicle, plugged)
        if found is None:
            raise ValueError(f"{vehicle.id} cannot use a {plugged.standard} connector")
        self.vehicle = vehicle
        self.outlet = plugged
        self.soc = soc
        self.target_soc = target_soc
        self.power_w = 0
        self.dc = found.is_dc
        self._efficiency = 1 - float(DC_LOSS if found.is_dc else AC_LOSS)

    @property
    def full(self) -> bool:
        return self.soc >= self.target_soc

    def draw(self, limit_w: float | None) -> int:
        """The watts the car draws now, under `limit_w` when the charger holds one."""
        if self.full:
            return 0
        watts = float(power_at(self.vehicle, self.outlet, min(self.soc, 100.0))) * 1000
        if limit_w is not None:
            watts = min(watts, max(limit_w, 0.0))
        return int(watts)

    def charge(self, seconds: float, limit_w: float | None) -> int:
        """Charge for `seconds` (simulated); the Wh metered. `power_w` is the last power drawn."""
        metered_wh = 0.0
        left = seconds
        battery_wh = float(self.vehicle.battery_kwh) * 1000
        while left > 0 and not self.full:
            step = min(SUB_STEP_S, left)
            self.power_w = self.draw(limit_w)
            wh = self.power_w * step / 3600
            stored = wh * self._efficiency
            room = (self.target_soc - self.soc) / 100 * battery_wh
            if stored > room:  # the target is reached inside this step
                wh = room / self._efficiency
                stored = room
            metered_wh += wh
            self.soc += stored / battery_wh * 100
            left -= step
        if self.full:
            self.power_w = 0
        return round(metered_wh)


def plug_in(
    vehicles: Sequence[Vehicle],
    plugged: Connector,
    rng: random.Random,
    arrival_soc: tuple[float, float],
    target_soc: float,
) -> CarSession | None:
    """A car of `vehicles` that can use `plugged`, arriving with a random state of charge;
    None when none of them can."""
    able = [vehicle for vehicle in vehicles if fit(vehicle, plugged) is not None]
    if not able:
        return None
    soc = rng.uniform(*arrival_soc)
    return CarSession(rng.choice(able), plugged, soc, max(target_soc, soc))
