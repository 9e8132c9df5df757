"""VAT rates by country and date, as data: the rate in force on a given local date.

Each country lists (effective from, percent) pairs, oldest first; a rate holds until the next one
starts. Kazakhstan moved from 12 % to 16 % and Russia from 20 % to 22 % on 2026-01-01.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

VAT_RATES: dict[str, tuple[tuple[date, Decimal], ...]] = {
    "KZ": ((date(2020, 1, 1), Decimal(12)), (date(2026, 1, 1), Decimal(16))),
    "RU": ((date(2020, 1, 1), Decimal(20)), (date(2026, 1, 1), Decimal(22))),
    "UZ": ((date(2020, 1, 1), Decimal(12)),),
    "KG": ((date(2020, 1, 1), Decimal(12)),),
    "AM": ((date(2020, 1, 1), Decimal(20)),),
    "GE": ((date(2020, 1, 1), Decimal(18)),),
    "BY": ((date(2020, 1, 1), Decimal(20)),),
}


def vat_rate(country: str | None, on: date) -> Decimal | None:
    """The VAT percent in force in `country` on the local date `on`; None when not known."""
    if country is None:
        return None
    rate: Decimal | None = None
    for since, percent in VAT_RATES.get(country.upper(), ()):
        if since <= on:
            rate = percent
    return rate


def change_dates(country: str | None) -> tuple[date, ...]:
    """The local dates on which `country`'s rate changes."""
    if country is None:
        return ()
    return tuple(since for since, _ in VAT_RATES.get(country.upper(), ()))
