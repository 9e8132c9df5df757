"""ISO 4217 currencies Steppe prices in, with their minor units, and the final rounding."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from steppe.errors import InvalidInput

# Digits after the decimal point of each currency's minor unit (ISO 4217).
MINOR_UNITS: dict[str, int] = {
    "AMD": 2,
    "AZN": 2,
    "BYN": 2,
    "CHF": 2,
    "CNY": 2,
    "CZK": 2,
    "DKK": 2,
    "EUR": 2,
    "GBP": 2,
    "GEL": 2,
    "JPY": 0,
    "KGS": 2,
    "KRW": 0,
    "KZT": 2,
    "MDL": 2,
    "MNT": 2,
    "NOK": 2,
    "PLN": 2,
    "RUB": 2,
    "SEK": 2,
    "TJS": 2,
    "TMT": 2,
    "TRY": 2,
    "UAH": 2,
    "USD": 2,
    "UZS": 2,
    "AED": 2,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
}


def minor_unit(currency: str) -> int:
    """Digits of `currency`'s minor unit; an unknown currency is refused."""
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise InvalidInput(f"currency {currency!r} is not supported") from None


def round_money(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half up to the currency's minor unit."""
    return amount.quantize(Decimal(1).scaleb(-minor_unit(currency)), rounding=ROUND_HALF_UP)
