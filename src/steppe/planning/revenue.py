"""What each simulated session pays, priced with Steppe's own tariffs, after the run.

The pricing engine (`steppe.domain.tariffs.engine`) prices a session in about a quarter of a
millisecond, too slow for the millions of sessions of a large network. Most tariffs are plain:
for each of energy, time, parking and flat fee, the first element that prices it has no
restrictions, and there is no minimum or maximum price. For those, and for a session whose VAT
rate is the same from start to end, the engine's rules reduce to one sum per dimension: its
quantity rounded up to its step size, times its price, plus VAT, the total rounded half up to
the currency's minor unit. Every amount is then a fraction with a small known denominator, so the
sessions of a run are priced together in exact integer arithmetic (numpy, in minor units), which
gives the engine's result to the minor unit; every other session goes through the engine itself.
Tests hold the two to the same result.

A simulated session is priced as the engine prices an estimate: its energy spread evenly over its
charging time, then parking. Energy is rounded to whole Wh and times to whole seconds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from steppe.domain.tariffs.currencies import minor_unit
from steppe.domain.tariffs.engine import price
from steppe.domain.tariffs.models import Dimension, PriceComponent, Tariff
from steppe.domain.tariffs.periods import Session
from steppe.domain.tariffs.vat import change_dates, vat_rate
from steppe.planning.tally import Tally

IntArray = npt.NDArray[np.int64]
# Amounts excl. VAT are counted in 1/18000 of a price unit: 18000 is the least common multiple
# of 1000 (Wh per kWh) and 3600 (seconds per hour).
PER_UNIT = {
    Dimension.ENERGY: 18,
    Dimension.TIME: 5,
    Dimension.PARKING_TIME: 5,
    Dimension.FLAT: 18000,
}
DENOMINATOR = 18000
SAFE = 2**62  # every intermediate product stays below this, or the engine prices the batch


def plain_components(tariff: Tariff) -> dict[Dimension, PriceComponent] | None:
    """Each dimension's component when the tariff is plain (see the module), else None."""
    if tariff.min_price is not None or tariff.max_price is not None:
        return None
    chosen: dict[Dimension, PriceComponent] = {}
    for dimension in Dimension:
        for element in tariff.elements:
            component = element.component(dimension)
            if component is None:
                continue
            if element.restrictions is not None:
                return None
            chosen[dimension] = component
            break
    return chosen


def _digits(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


class SessionPricer:
    """Prices the sessions of one site under one tariff; times are seconds from `origin`."""

    def __init__(
        self, tariff: Tariff, *, time_zone: str, country: str | None, origin: datetime
    ) -> None:
        self.tariff = tariff
        self.currency = tariff.currency
        self.minor = minor_unit(tariff.currency)
        self._origin = origin
        self._time_zone = time_zone
        self._country = country
        zone = ZoneInfo(time_zone)
        # VAT by local date, as the instants (seconds from the origin) at which each rate begins
        self._vat_from: list[float] = []
        self._vat: list[Decimal | None] = []
        for day in change_dates(country):
            midnight = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
            self._vat_from.append((midnight - origin).total_seconds())
            self._vat.append(vat_rate(country, day))
        self._plain = plain_components(tariff)
        vats = [c.vat for c in (self._plain or {}).values() if c.vat is not None]
        vats += [v for v in self._vat if v is not None]
        prices = [c.price for c in (self._plain or {}).values()]
        self._price_digits = max((_digits(p) for p in prices), default=0)
        self._vat_digits = max((_digits(v) for v in vats), default=0)

    def price(
        self, start_s: float, energy_wh: int, charging_s: int, parking_s: int
    ) -> tuple[Decimal, Decimal]:
        """(excl. VAT, incl. VAT) of one session, each rounded to the currency's minor unit."""
        excl, incl = self.price_many(
            np.array([start_s]),
            np.array([energy_wh]),
            np.array([charging_s]),
            np.array([parking_s]),
        )
        scale = Decimal(1).scaleb(-self.minor)
        return Decimal(int(excl[0])) * scale, Decimal(int(incl[0])) * scale

    def price_many(
        self,
        start_s: npt.NDArray[np.float64],
        energy_wh: IntArray,
        charging_s: IntArray,
        parking_s: IntArray,
    ) -> tuple[IntArray, IntArray]:
        """(excl. VAT, incl. VAT) of each session in minor units of the currency."""
        count = len(start_s)
        excl = np.zeros(count, dtype=np.int64)
        incl = np.zeros(count, dtype=np.int64)
        if count == 0:
            return excl, incl
        edges = np.asarray(self._vat_from, dtype=np.float64)
        first = np.searchsorted(edges, start_s, side="right") - 1
        last = np.searchsorted(edges, start_s + charging_s + parking_s, side="right") - 1
        quick = np.zeros(count, dtype=bool) if self._plain is None else first == last
        if quick.any() and not self._integer(
            first, quick, energy_wh, charging_s, parking_s, excl, incl
        ):
            quick[:] = False
        for i in np.flatnonzero(~quick):
            excl[i], incl[i] = self._engine(
                float(start_s[i]), int(energy_wh[i]), int(charging_s[i]), int(parking_s[i])
            )
        return excl, incl

    def _integer(
        self,
        rate_index: IntArray,
        rows: npt.NDArray[np.bool_],
        energy_wh: IntArray,
        charging_s: IntArray,
        parking_s: IntArray,
        excl: IntArray,
        incl: IntArray,
    ) -> bool:
        """The quick path into `excl`/`incl` at `rows`; False if a product could overflow."""
        assert self._plain is not None
        price_scale = 10**self._price_digits
        vat_scale = 100 * 10**self._vat_digits  # a factor 1 + vat / 100 counted in 1/vat_scale
        quantities = {
            Dimension.ENERGY: energy_wh[rows],
            Dimension.TIME: charging_s[rows],
            Dimension.PARKING_TIME: parking_s[rows],
        }
        site_factor = np.full(int(rows.sum()), vat_scale, dtype=np.int64)
        for index, rate in enumerate(self._vat):
            if rate is not None:
                site_factor[rate_index[rows] == index] = int((100 + rate) * 10**self._vat_digits)
        net = np.zeros(int(rows.sum()), dtype=np.int64)
        gross = np.zeros(int(rows.sum()), dtype=np.int64)
        largest = 0
        for dimension, component in self._plain.items():
            unit = int(component.price * price_scale)
            if dimension is Dimension.FLAT:
                amount = np.full(len(net), unit * PER_UNIT[dimension], dtype=np.int64)
            else:
                quantity = np.maximum(quantities[dimension].astype(np.int64), 0)
                if component.step_size:
                    step = component.step_size
                    quantity = -(-quantity // step) * step
                largest += unit * int(quantity.max(initial=0)) * PER_UNIT[dimension]
                amount = quantity * (unit * PER_UNIT[dimension])
            if component.vat is not None:
                factor: IntArray | int = int((100 + component.vat) * 10**self._vat_digits)
            else:
                factor = site_factor
            net += amount
            gross += amount * factor
        largest = max(
            largest, 18000 * sum(int(c.price * price_scale) for c in self._plain.values())
        )
        denominator = DENOMINATOR * price_scale
        minor = 10**self.minor
        if largest * vat_scale * minor * 2 >= SAFE or denominator * vat_scale * 2 >= SAFE:
            return False
        excl[rows] = (2 * net * minor + denominator) // (2 * denominator)
        total = denominator * vat_scale
        incl[rows] = (2 * gross * minor + total) // (2 * total)
        return True

    def _engine(
        self, start_s: float, energy_wh: int, charging_s: int, parking_s: int
    ) -> tuple[int, int]:
        session = Session.even(
            self._origin + timedelta(seconds=start_s),
            charging_seconds=charging_s,
            energy_wh=energy_wh,
            parking_seconds=parking_s,
            time_zone=self._time_zone,
            country=self._country,
        )
        costing = price(self.tariff, session)
        scale = Decimal(10) ** self.minor
        return int(costing.excl_vat * scale), int(costing.incl_vat * scale)


def book(tally: Tally, pricer: SessionPricer, rows: list[tuple[int, float, int, int, int]]) -> None:
    """Price `rows` of (cell, start, Wh, charging s, parking s) and add them to their cells."""
    cells, starts, wh, charging, parking = (np.array(column) for column in zip(*rows, strict=True))
    excl, incl = pricer.price_many(
        starts.astype(np.float64),
        wh.astype(np.int64),
        charging.astype(np.int64),
        parking.astype(np.int64),
    )
    scale = Decimal(1).scaleb(-pricer.minor)
    for cell in np.unique(cells).tolist():
        chosen = cells == cell
        tally.add_revenue(
            cell,
            pricer.currency,
            Decimal(int(excl[chosen].sum())) * scale,
            Decimal(int(incl[chosen].sum())) * scale,
        )
