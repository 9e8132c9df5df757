"""What a car is to the charging network: its inlets, battery and how fast it charges.

A row of the catalogue is one make, model, market variant and model year (and, where a model comes
with several batteries, one trim). The market variant decides the inlets: the same model built for
China carries GB/T AC and GB/T DC, its export variant Type 2 and CCS2. Inlet names are the OCPI
2.2.1 ConnectorType names that station connectors use (`steppe.domain.stations.connectors`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from steppe.errors import InvalidInput, NotFound


class Powertrain(StrEnum):
    BEV = "BEV"  # battery only
    PHEV = "PHEV"  # plug-in hybrid: the engine drives the wheels too
    EREV = "EREV"  # range extender: the engine only makes electricity


class Market(StrEnum):
    """The market a variant was built for; it decides the inlets and often the battery."""

    CN = "CN"  # Chinese domestic market: GB/T AC and GB/T DC
    EU = "EU"  # European and most export markets: Type 2 and CCS2
    KZ = "KZ"  # assembled or homologated for Kazakhstan
    RU = "RU"  # assembled or homologated for Russia
    JP = "JP"  # Japanese domestic market (right-hand drive imports): Type 1 and CHAdeMO
    US = "US"  # North America: Type 1 and CCS1, or NACS
    GLOBAL = "GLOBAL"  # the same charging hardware wherever it is sold


# Inlet standards by what they carry. CCS inlets take the matching AC plug as well (a CCS2 inlet
# is a Type 2 inlet with two DC pins below it), so a row lists both; NACS carries both AC and DC.
AC_INLETS = frozenset({"GBT_AC", "IEC_62196_T1", "IEC_62196_T2", "NACS"})
DC_INLETS = frozenset(
    {"GBT_DC", "IEC_62196_T1_COMBO", "IEC_62196_T2_COMBO", "CHADEMO", "CHAOJI", "NACS"}
)
INLETS = AC_INLETS | DC_INLETS
COMBO_NEEDS = {"IEC_62196_T2_COMBO": "IEC_62196_T2", "IEC_62196_T1_COMBO": "IEC_62196_T1"}

CurvePoint = tuple[int, Decimal]  # (state of charge in percent, kW drawn at the connector)


def slug(*parts: str | int) -> str:
    """`leapmotor-c10-cn-2024` from ("Leapmotor", "C10", "CN", 2024): lower case, dashes."""
    text = "-".join(str(part) for part in parts if str(part).strip())
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-")


@dataclass(frozen=True, slots=True)
class Vehicle:
    """One catalogue row. Powers are kW, the battery is usable kWh.

    `dc_curve` gives the power the car draws at the connector against its state of charge, as a
    few points in increasing SoC; between points the power is linear, outside them it holds the
    nearest point's value. It is empty where no curve is published (see `curve()` then).
    `adapters` lists standards the car can use through an adapter delivered with it; none is
    assumed otherwise.
    """

    id: str
    make: str
    model: str
    variant: Market
    model_year: int
    powertrain: Powertrain
    inlets: tuple[str, ...]
    battery_kwh: Decimal
    ac_phases: int
    ac_max_kw: Decimal
    dc_max_kw: Decimal | None
    dc_curve: tuple[CurvePoint, ...]
    source: str
    verified: bool
    trim: str = ""
    adapters: tuple[str, ...] = ()

    @property
    def usable_standards(self) -> frozenset[str]:
        """The connector standards the car takes: its inlets and the adapters it comes with."""
        return frozenset(self.inlets) | frozenset(self.adapters)

    @property
    def charges_on_dc(self) -> bool:
        return self.dc_max_kw is not None

    def curve(self) -> tuple[CurvePoint, ...]:
        """The DC curve, or the generic one scaled to `dc_max_kw` where the row gives none.

        The generic curve is the car's maximum from 10 to 50 % SoC, 80 % of it below 10 %,
        falling linearly to half of it at 80 % and to a tenth at 100 %: the shape most published
        curves of lithium-ion cars share, without the precision of a measured one.
        """
        if self.dc_max_kw is None:
            return ()
        if self.dc_curve:
            return self.dc_curve
        top = self.dc_max_kw
        return tuple((soc, top * share) for soc, share in GENERIC_CURVE)


GENERIC_CURVE: tuple[tuple[int, Decimal], ...] = (
    (0, Decimal("0.8")),
    (10, Decimal(1)),
    (50, Decimal(1)),
    (80, Decimal("0.5")),
    (100, Decimal("0.1")),
)


class Catalogue:
    """The vehicles Steppe knows, looked up by id or by make, model, market variant and year.

    Build it with `Catalogue.load()` (see `steppe.domain.vehicles.catalogue`) and keep the
    instance; it does not change once built.
    """

    def __init__(self, vehicles: Iterable[Vehicle]) -> None:
        rows = tuple(vehicles)
        by_id: dict[str, Vehicle] = {}
        for vehicle in rows:
            if vehicle.id in by_id:
                raise InvalidInput(f"vehicle id {vehicle.id!r} given twice")
            by_id[vehicle.id] = vehicle
        self._rows = rows
        self._by_id = by_id

    @classmethod
    def load(cls, text: str | None = None) -> Catalogue:
        """The catalogue shipped with Steppe, or one parsed from TOML `text` (strictly checked)."""
        from steppe.domain.vehicles.catalogue import load_catalogue

        return load_catalogue(text)

    def __len__(self) -> int:
        return len(self._rows)

    def all(self) -> tuple[Vehicle, ...]:
        return self._rows

    def get(self, vehicle_id: str) -> Vehicle:
        try:
            return self._by_id[vehicle_id]
        except KeyError:
            raise NotFound(f"vehicle {vehicle_id!r} is not in the catalogue") from None

    def makes(self) -> tuple[str, ...]:
        return tuple(sorted({row.make for row in self._rows}, key=str.casefold))

    def models_of(self, make: str) -> tuple[str, ...]:
        rows = self._of(make)
        return tuple(sorted({row.model for row in rows}, key=str.casefold))

    def variants(self, make: str, model: str) -> tuple[Market, ...]:
        """The market variants listed for a model, in the order of `Market`."""
        found = {row.variant for row in self._of(make, model)}
        return tuple(market for market in Market if market in found)

    def trims(self, make: str, model: str, variant: str, year: int) -> tuple[Vehicle, ...]:
        """Every trim of the model year `find` picks, in catalogue order."""
        rows = self._of_variant(make, model, variant)
        nearest = _nearest_year(rows, year)
        return tuple(row for row in rows if row.model_year == nearest)

    def find(
        self, make: str, model: str, variant: str, year: int, trim: str | None = None
    ) -> Vehicle:
        """The row for this car: the listed model year nearest to `year` (an earlier one on a
        tie, since a car keeps its specification until the next change), the trim asked for or
        the first listed. A variant with no row falls back to a GLOBAL row of the model."""
        candidates = self.trims(make, model, variant, year)
        if trim is None:
            return candidates[0]
        for row in candidates:
            if row.trim.casefold() == trim.casefold():
                return row
        listed = ", ".join(repr(row.trim) for row in candidates)
        raise NotFound(
            f"{make} {model} {variant} {candidates[0].model_year}: no trim {trim!r}; "
            f"listed: {listed}"
        )

    def _of(self, make: str, model: str | None = None) -> tuple[Vehicle, ...]:
        rows = tuple(row for row in self._rows if row.make.casefold() == make.casefold())
        if not rows:
            raise NotFound(f"no vehicle of make {make!r} in the catalogue")
        if model is None:
            return rows
        rows = tuple(row for row in rows if row.model.casefold() == model.casefold())
        if not rows:
            raise NotFound(f"no {make} model {model!r} in the catalogue")
        return rows

    def _of_variant(self, make: str, model: str, variant: str) -> tuple[Vehicle, ...]:
        rows = self._of(make, model)
        wanted = variant.strip().upper()
        exact = tuple(row for row in rows if row.variant == wanted)
        if exact:
            return exact
        fallback = tuple(row for row in rows if row.variant is Market.GLOBAL)
        if fallback:
            return fallback
        listed = ", ".join(self.variants(make, model))
        raise NotFound(f"no {variant!r} variant of the {make} {model}; listed: {listed}")


def _nearest_year(rows: tuple[Vehicle, ...], year: int) -> int:
    return min({row.model_year for row in rows}, key=lambda listed: (abs(listed - year), listed))
