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

from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, Decimal, localcontext
from zoneinfo import ZoneInfo

from steppe.domain.tariffs.currencies import round_money
from steppe.domain.tariffs.engine import price
from steppe.domain.tariffs.models import Dimension, PriceComponent, Tariff
from steppe.domain.tariffs.periods import Session
from steppe.domain.tariffs.vat import vat_rate

PRECISION = 40  # the engine's working precision
WH_PER_KWH = Decimal(1000)
SECONDS_PER_HOUR = Decimal(3600)
ONE_HUNDRED = Decimal(100)


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
    """Prices the sessions of one site under one tariff."""

    def __init__(self, tariff: Tariff, *, time_zone: str, country: str | None) -> None:
        self.tariff = tariff
        self.currency = tariff.currency
        self._zone = ZoneInfo(time_zone)
        self._time_zone = time_zone
        self._country = country
        self._plain = plain_components(tariff)
        self._rates: dict[object, Decimal | None] = {}

    def _rate(self, moment: datetime) -> Decimal | None:
        day = moment.astimezone(self._zone).date()
        if day not in self._rates:
            self._rates[day] = vat_rate(self._country, day)
        return self._rates[day]

    def price(
        self, start: datetime, energy_wh: int, charging_s: int, parking_s: int
    ) -> tuple[Decimal, Decimal]:
        """(excl. VAT, incl. VAT) of one session, each rounded to the currency's minor unit."""
        if self._plain is not None:
            end = start + timedelta(seconds=charging_s + parking_s)
            rate = self._rate(start)
            if rate == self._rate(end):
                return self._plain_price(self._plain, rate, energy_wh, charging_s, parking_s)
        session = Session.even(
            start.astimezone(UTC),
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
        components: dict[Dimension, PriceComponent],
        rate: Decimal | None,
        energy_wh: int,
        charging_s: int,
        parking_s: int,
    ) -> tuple[Decimal, Decimal]:
        quantities = {
            Dimension.ENERGY: Decimal(energy_wh),
            Dimension.TIME: Decimal(charging_s),
            Dimension.PARKING_TIME: Decimal(parking_s),
        }
        excl = Decimal(0)
        incl = Decimal(0)
        with localcontext() as context:
            context.prec = PRECISION
            for dimension, component in components.items():
                if dimension is Dimension.FLAT:
                    amount = component.price
                else:
                    quantity = quantities[dimension]
                    if quantity <= 0:
                        continue
                    if component.step_size:
                        step = Decimal(component.step_size)
                        quantity = (quantity / step).to_integral_value(ROUND_CEILING) * step
                    divisor = WH_PER_KWH if dimension is Dimension.ENERGY else SECONDS_PER_HOUR
                    amount = component.price * quantity / divisor
                vat = component.vat if component.vat is not None else rate
                excl += amount
                incl += amount if vat is None else amount * (1 + vat / ONE_HUNDRED)
        return round_money(excl, self.currency), round_money(incl, self.currency)
