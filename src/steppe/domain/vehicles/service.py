"""Advice for a driver: which of a station's connectors fit the car, at what power, and what a
20 -> 80 % charge there takes and costs.

The price is the tariff engine's estimate (`steppe.domain.tariffs.engine.price` over a session
with the energy spread evenly over the charging time, as `TariffService.estimate` makes it) for
the tariff a session starting now would get on that EVSE, in the station's zone and country, so
in the tariff's currency and with the VAT in force there today.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from steppe.domain.cdrs.models import Cost
from steppe.domain.ports import Clock
from steppe.domain.stations.models import Connector, Registration, Station
from steppe.domain.stations.service import StationService
from steppe.domain.tariffs.engine import price
from steppe.domain.tariffs.models import Tariff
from steppe.domain.tariffs.periods import Session
from steppe.domain.tariffs.service import TariffService
from steppe.domain.vehicles.compatibility import ChargeEstimate, Fit, estimate, fit
from steppe.domain.vehicles.models import Catalogue, Vehicle
from steppe.errors import NotFound

DEFAULT_START_SOC = 20
DEFAULT_END_SOC = 80


@dataclass(frozen=True, slots=True)
class ConnectorAdvice:
    """One connector the car can use: the fit, the charge it would get and its price (None when
    no tariff applies there)."""

    fit: Fit
    charge: ChargeEstimate
    tariff_id: str | None
    cost: Cost | None

    @property
    def connector(self) -> Connector:
        return self.fit.connector


@dataclass(frozen=True, slots=True)
class StationAdvice:
    station: Station
    vehicle: Vehicle
    usable: tuple[ConnectorAdvice, ...]
    unusable: tuple[Connector, ...]

    def for_evse(self, evse_id: int) -> tuple[ConnectorAdvice, ...]:
        return tuple(a for a in self.usable if a.connector.evse_id == evse_id)


TariffOf = Callable[[int], Tariff | None]


class Adviser:
    """Advice for one car on many stations at one moment. Connectors of the same kind (standard,
    power type, rating) under the same tariff get the same estimate and price, worked out once:
    a network of hundreds of stations has only a few kinds."""

    def __init__(
        self,
        vehicle: Vehicle,
        *,
        now: datetime,
        start_soc: Decimal | int = DEFAULT_START_SOC,
        end_soc: Decimal | int = DEFAULT_END_SOC,
    ) -> None:
        self.vehicle = vehicle
        self._now = now
        self._socs = (start_soc, end_soc)
        self._charges: dict[tuple[str | None, ...], ChargeEstimate] = {}
        self._costs: dict[tuple[object, ...], Cost | None] = {}

    def station(self, station: Station, tariff_of: TariffOf) -> StationAdvice:
        usable: list[ConnectorAdvice] = []
        unusable: list[Connector] = []
        for connector in station.connectors:
            found = fit(self.vehicle, connector)
            if found is None:
                unusable.append(connector)
                continue
            kind = (connector.standard, connector.power_type, connector.max_power_kw)
            charge = self._charges.get(kind)
            if charge is None:
                charge = estimate(self.vehicle, connector, *self._socs)
                self._charges[kind] = charge
            tariff = tariff_of(connector.evse_id)
            cost = None if tariff is None else self._cost(tariff, charge, station)
            usable.append(
                ConnectorAdvice(
                    found, replace(charge, fit=found), None if tariff is None else tariff.id, cost
                )
            )
        return StationAdvice(station, self.vehicle, tuple(usable), tuple(unusable))

    def _cost(self, tariff: Tariff, charge: ChargeEstimate, station: Station) -> Cost | None:
        zone = station.time_zone or "UTC"
        key = (id(tariff), charge.energy_kwh, charge.duration, zone, station.country)
        if key not in self._costs:
            costing = price(
                tariff,
                Session.even(
                    self._now,
                    charging_seconds=Decimal(str(charge.duration.total_seconds())),
                    energy_wh=charge.energy_kwh * 1000,
                    time_zone=zone,
                    country=station.country,
                ),
            )
            self._costs[key] = Cost(costing.currency, costing.excl_vat, costing.incl_vat)
        return self._costs[key]


def advise(
    vehicle: Vehicle,
    station: Station,
    tariff_of: TariffOf,
    *,
    now: datetime,
    start_soc: Decimal | int = DEFAULT_START_SOC,
    end_soc: Decimal | int = DEFAULT_END_SOC,
) -> StationAdvice:
    """The advice for `vehicle` at `station`, `tariff_of(evse_id)` giving each EVSE's tariff."""
    return Adviser(vehicle, now=now, start_soc=start_soc, end_soc=end_soc).station(
        station, tariff_of
    )


def tariff_chooser(
    assignments: Mapping[int | None, Sequence[str]], tariffs: Mapping[str, Tariff], at: datetime
) -> TariffOf:
    """Each EVSE's tariff for a session starting `at`: the first valid of the EVSE's own list,
    else of the station's (as `TariffService.resolve` picks it), from tariffs already read."""

    def tariff_of(evse_id: int) -> Tariff | None:
        for key in (evse_id, None):
            for tariff_id in assignments.get(key, ()):
                tariff = tariffs.get(tariff_id)
                if tariff is not None and tariff.valid_at(at):
                    return tariff
        return None

    return tariff_of


class VehicleGuide:
    """The catalogue, and advice on a station for one of its cars."""

    def __init__(
        self, catalogue: Catalogue, stations: StationService, tariffs: TariffService, clock: Clock
    ) -> None:
        self.catalogue = catalogue
        self._stations = stations
        self._tariffs = tariffs
        self._clock = clock

    async def public_station(self, station_id: str) -> Station:
        """A station drivers may see (registered and accepted); NotFound otherwise."""
        station = await self._stations.get(station_id)
        if station.registration is not Registration.ACCEPTED:
            raise NotFound(f"station {station_id!r} does not exist")
        return station

    async def station(
        self,
        station_id: str,
        vehicle_id: str,
        *,
        start_soc: Decimal | int = DEFAULT_START_SOC,
        end_soc: Decimal | int = DEFAULT_END_SOC,
    ) -> StationAdvice:
        vehicle = self.catalogue.get(vehicle_id)
        station = await self.public_station(station_id)
        now = self._clock.now()
        evses = {c.evse_id for c in station.connectors}
        chosen = {evse: await self._tariffs.resolve(station_id, evse, now) for evse in evses}
        return advise(vehicle, station, chosen.get, now=now, start_soc=start_soc, end_soc=end_soc)
