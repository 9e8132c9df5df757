"""Currents at the boundary and inside the allocator.

At the boundary a current is a `Decimal` in amperes per phase (names end in `_a`). Inside, the
allocator counts whole deci-amperes, 0.1 A (names end in `_da`): integers keep sums exact and fast,
and 0.1 A is the finest step a charging-schedule limit is worth sending. A figure that bounds what
may flow (a circuit's limit, a car's own maximum) is rounded down into deci-amperes; a figure that
says what may be drawn (a hardware maximum counted fail-safe, a measured current, a minimum) is
rounded up, so a rounding can only ever make the plan more careful.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from steppe.errors import InvalidInput

DECIAMPS_PER_AMP = 10
_TEN = Decimal(DECIAMPS_PER_AMP)


def deciamps_down(amps: Decimal) -> int:
    """`amps` in whole deci-amperes, rounded down (for limits)."""
    return int((amps * _TEN).to_integral_value(rounding=ROUND_FLOOR))


def deciamps_up(amps: Decimal) -> int:
    """`amps` in whole deci-amperes, rounded up (for what may be drawn)."""
    return int((amps * _TEN).to_integral_value(rounding=ROUND_CEILING))


def amps(deciamps: int) -> Decimal:
    """Whole deci-amperes as amperes with one decimal place: 105 -> Decimal('10.5')."""
    return Decimal(deciamps).scaleb(-1)


def current(value: object, what: str) -> Decimal:
    """A current given by a caller: a `Decimal` or an `int`, finite and not negative.

    A `float` is refused rather than guessed at: 0.1 has no exact binary form, and a limit should
    mean exactly what the operator typed.
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise InvalidInput(f"{what}: a current in amperes must be a Decimal or an int")
    number = Decimal(value)
    if not number.is_finite():
        raise InvalidInput(f"{what}: must be finite")
    if number < 0:
        raise InvalidInput(f"{what}: must not be negative")
    return number
