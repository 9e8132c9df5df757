"""What one simulation run counts, per site and per month of the calendar.

Counters are flat lists indexed `site * months + month`, so the event loop adds to them without
building keys. Money is kept apart, as `Decimal` per currency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

COUNTERS = (
    "arrivals",  # drivers who reached the site (diverted ones included)
    "eligible",  # of them, those for whom the site has a charger their car can use
    "waited",  # of them, those who found every such charger taken
    "served",  # drivers who plugged in
    "wait_s",  # seconds waited by the drivers who plugged in
    "lost",  # drivers who left the network unserved from this site
    "diverted",  # drivers who left this site for another one
    "busy_s",  # charger-seconds with a car plugged in
    "energy_kwh",  # metered energy of the sessions that started in the month
    "limited",  # sessions whose power the grid limit lowered at some point
    "peak_kw",  # highest power given to cars at once (a maximum, not a sum)
)


@dataclass(slots=True)
class Tally:
    sites: int
    months: int
    counters: dict[str, list[float]] = field(default_factory=dict)
    # (site * months + month) -> currency -> [excl. VAT, incl. VAT]
    revenue: dict[int, dict[str, list[Decimal]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.counters:
            size = self.sites * self.months
            self.counters = {name: [0.0] * size for name in COUNTERS}

    def add_revenue(self, cell: int, currency: str, excl: Decimal, incl: Decimal) -> None:
        book = self.revenue.setdefault(cell, {})
        pair = book.get(currency)
        if pair is None:
            book[currency] = [excl, incl]
        else:
            pair[0] += excl
            pair[1] += incl
