"""What each simulated session pays, priced with Steppe's own tariffs.

The pricing engine (`steppe.domain.tariffs.engine`) prices a session in about a quarter of a
millisecond, too slow for the millions of sessions of a large network. Most tariffs are plain:
for each of energy, time, parking and flat fee, the first element that prices it has no
restrictions, and there is no minimum or maximum price. For those, and for a session whose VAT
rate is the same from start to end, the engine's rules reduce to one sum per dimension (its
quantity rounded up to its step size, times its price, plus VAT), computed here with the same
`Decimal` operations; every other session goes through the engine itself. Tests hold the two
to the same result.

A simulated session is priced as the engine prices an estimate: its energy spread evenly over its
charging time, then parking. Energy is rounded to whole Wh and times to whole seconds.
"""

from __future__ import annotations

import bisect
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal
from zoneinfo import ZoneInfo

from steppe.domain.tariffs.currencies import minor_unit
from steppe.domain.tariffs.engine import price
from steppe.domain.tariffs.models import Dimension, PriceComponent, Tariff
from steppe.domain.tariffs.periods import Session
from steppe.domain.tariffs.vat import change_dates, vat_rate

PRECISION = 40  # the engine's working precision
WH_PER_KWH = Decimal(1000)
SECONDS_PER_HOUR = Decimal(3600)
ONE_HUNDRED = Decimal(100)
ZERO = Decimal(0)


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


class SessionPricer:
    """Prices the sessions of one site under one tariff; times are seconds from `origin`."""

    def __init__(
        self, tariff: Tariff, *, time_zone: str, country: str | None, origin: datetime
    ) -> None:
        self.tariff = tariff
        self.currency = tariff.currency
        self._origin = origin
        self._time_zone = time_zone
        self._country = country
        self._context = Context(prec=PRECISION)
        self._quantum = Decimal(1).scaleb(-minor_unit(tariff.currency))
        zone = ZoneInfo(time_zone)
        # VAT by local date, as instants (seconds from the origin) at which each rate begins
        self._vat_from: list[float] = []
        self._vat_factor: list[Decimal | None] = []
        for day in change_dates(country):
            midnight = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
            self._vat_from.append((midnight - origin).total_seconds())
            self._vat_factor.append(self._factor(vat_rate(country, day)))
        chosen = plain_components(tariff)
        self._plain: list[tuple[int, Decimal, int, Decimal, Decimal | None, bool]] | None = None
        if chosen is not None:
            order = {Dimension.ENERGY: 0, Dimension.TIME: 1, Dimension.PARKING_TIME: 2}
            self._plain = [
                (
                    order.get(dimension, 3),
                    component.price,
                    component.step_size,
                    WH_PER_KWH if dimension is Dimension.ENERGY else SECONDS_PER_HOUR,
                    self._factor(component.vat),
                    component.vat is not None,
                )
                for dimension, component in chosen.items()
            ]

    def _factor(self, vat: Decimal | None) -> Decimal | None:
        if vat is None:
            return None
        return self._context.add(1, self._context.divide(vat, ONE_HUNDRED))

    def _vat_at(self, moment: float) -> int:
        """Which rate is in force at `moment` (-1: none known)."""
        return bisect.bisect_right(self._vat_from, moment) - 1

    def price(
        self, start_s: float, energy_wh: int, charging_s: int, parking_s: int
    ) -> tuple[Decimal, Decimal]:
        """(excl. VAT, incl. VAT) of one session, each rounded to the currency's minor unit."""
        if self._plain is not None:
            first = self._vat_at(start_s)
            if first == self._vat_at(start_s + charging_s + parking_s):
                factor = self._vat_factor[first] if first >= 0 else None
                return self._plain_price(self._plain, factor, energy_wh, charging_s, parking_s)
        session = Session.even(
            self._origin + timedelta(seconds=start_s),
            charging_seconds=charging_s,
            energy_wh=energy_wh,
            parking_seconds=parking_s,
            time_zone=self._time_zone,
            country=self._country,
        )
        costing = price(self.tariff, session)
        return costing.excl_vat, costing.incl_vat

    def _plain_price(
        self,
        components: list[tuple[int, Decimal, int, Decimal, Decimal | None, bool]],
        site_factor: Decimal | None,
        energy_wh: int,
        charging_s: int,
        parking_s: int,
    ) -> tuple[Decimal, Decimal]:
        """The engine's arithmetic for a plain tariff: the same operations at its precision."""
        context = self._context
        quantities = (energy_wh, charging_s, parking_s)
        excl = ZERO
        incl = ZERO
        for dimension, unit_price, step, divisor, own_factor, own_vat in components:
            if dimension == 3:  # FLAT
                amount = unit_price
            else:
                quantity = quantities[dimension]
                if quantity <= 0:
                    continue
                if step:
                    quantity = -(-quantity // step) * step
                amount = context.divide(context.multiply(unit_price, Decimal(quantity)), divisor)
            factor = own_factor if own_vat else site_factor
            excl = context.add(excl, amount)
            incl = context.add(incl, amount if factor is None else context.multiply(amount, factor))
        return (
            excl.quantize(self._quantum, rounding=ROUND_HALF_UP),
            incl.quantize(self._quantum, rounding=ROUND_HALF_UP),
        )
