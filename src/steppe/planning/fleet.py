"""Cars from the vehicle catalogue, and how fast each charges on each kind of charger.

A charger's connectors are turned into the station domain's `Connector`s and the catalogue's
`compatibility` decides which the car can use and what it draws there (`fit`, `power_at`); the
car takes the connector where it draws the most. The curve is sampled into a `ChargeProfile`
whose energy counts the catalogue's losses (energy at the connector is what a tariff bills).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from steppe.domain.stations.models import Connector
from steppe.domain.vehicles.compatibility import AC_LOSS, DC_LOSS, fit, power_at
from steppe.domain.vehicles.models import Vehicle
from steppe.planning.model import Charger
from steppe.planning.profiles import ChargeProfile, sampled

BANDS = 40
LAST_SAMPLE_SOC = Decimal("99.5")  # the car draws nothing at 100 %: sample just below it


def connectors_of(charger: Charger) -> list[Connector]:
    return [
        Connector(
            evse_id=1,
            connector_id=number,
            standard=standard,
            power_type=charger.power_type,
            max_power_kw=format(charger.power_kw, "g"),
        )
        for number, standard in enumerate(charger.standards, start=1)
    ]


def profile_on(vehicle: Vehicle, charger: Charger) -> ChargeProfile | None:
    """How `vehicle` charges on `charger` (on its best connector), or None when it cannot."""
    found = (fit(vehicle, connector) for connector in connectors_of(charger))
    fits = [item for item in found if item is not None]
    if not fits:
        return None
    best = max(fits, key=lambda found: found.max_kw)
    points = BANDS * 2
    curve = [
        float(power_at(vehicle, best.connector, min(Decimal(100 * i) / points, LAST_SAMPLE_SOC)))
        for i in range(points + 1)
    ]
    loss = DC_LOSS if best.is_dc else AC_LOSS
    return sampled(
        curve, battery_kwh=float(vehicle.battery_kwh), efficiency=float(1 - loss), bands=BANDS
    )


class ProfileTable:
    """Profiles of every car kind on every charger, computed once per distinct charger design."""

    def __init__(self, vehicles: Sequence[Vehicle | None], plain_kw: float | None = None) -> None:
        self._vehicles = tuple(vehicles)
        self._plain_kw = plain_kw
        self._cache: dict[tuple[int, str, float, tuple[str, ...]], ChargeProfile | None] = {}

    def of(self, kind: int, charger: Charger) -> ChargeProfile | None:
        key = (kind, charger.power_type, charger.power_kw, charger.standards)
        if key not in self._cache:
            vehicle = self._vehicles[kind]
            if vehicle is None:  # the plain car of a theory scenario fits every charger
                power = charger.power_kw
                if self._plain_kw is not None:
                    power = min(power, self._plain_kw)
                self._cache[key] = ChargeProfile.flat(power)
            else:
                self._cache[key] = profile_on(vehicle, charger)
        return self._cache[key]

    def table(self, chargers: Sequence[Charger]) -> tuple[tuple[ChargeProfile | None, ...], ...]:
        return tuple(
            tuple(self.of(kind, charger) for charger in chargers)
            for kind in range(len(self._vehicles))
        )
