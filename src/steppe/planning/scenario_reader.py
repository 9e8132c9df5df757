"""Typed, strict access to one table of a scenario file, with errors that name the key.

Every key a table holds must be read; `done()` refuses the ones nobody asked for, so a typo
(`grid_limt_kw`) stops the run instead of being silently ignored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from steppe.errors import InvalidInput


class ScenarioError(InvalidInput):
    """A scenario file that cannot be simulated; the message names the key."""


class Table:
    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, Mapping):
            raise ScenarioError(f"{where}: must be a table, not {data!r}")
        self.data: Mapping[str, Any] = data
        self.where = where
        self._read: set[str] = set()

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def fail(self, key: str, problem: str) -> ScenarioError:
        return ScenarioError(f"{self.path(key)}: {problem}")

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str) -> Any:
        self._read.add(key)
        return self.data.get(key)

    def done(self) -> None:
        unknown = sorted(set(self.data) - self._read)
        if unknown:
            raise ScenarioError(f"{self.where or 'scenario'}: unknown keys {unknown}")

    def text(self, key: str, default: str | None = None) -> str:
        value = self.raw(key)
        if value is None:
            if default is None:
                raise self.fail(key, "is required")
            return default
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"must be a non-empty string, not {value!r}")
        return value.strip()

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if self.raw(key) is not None else None

    def optional_number(
        self, key: str, *, high: float = math.inf, positive: bool = False
    ) -> float | None:
        if self.raw(key) is None:
            return None
        return self.number(key, high=high, inclusive_low=not positive)

    def optional_day(self, key: str) -> date | None:
        return self.day(key) if self.raw(key) is not None else None

    def number(
        self,
        key: str,
        default: float | None = None,
        *,
        low: float = 0.0,
        high: float = math.inf,
        inclusive_low: bool = True,
        infinite: bool = False,
    ) -> float:
        value = self.raw(key)
        if value is None:
            if default is None:
                raise self.fail(key, "is required")
            return default
        return self.check_number(key, value, low, high, inclusive_low, infinite)

    def check_number(
        self,
        key: str,
        value: Any,
        low: float = 0.0,
        high: float = math.inf,
        inclusive_low: bool = True,
        infinite: bool = False,
    ) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise self.fail(key, f"must be a number, not {value!r}")
        number = float(value)
        if math.isnan(number) or (math.isinf(number) and not infinite):
            raise self.fail(key, f"must be a finite number, not {value}")
        below = number < low if inclusive_low else number <= low
        if below or number > high:
            side = "at least" if inclusive_low else "above"
            upper = f" and at most {high:g}" if math.isfinite(high) else ""
            raise self.fail(key, f"must be {side} {low:g}{upper}, not {value}")
        return number

    def integer(self, key: str, default: int, *, low: int = 0) -> int:
        value = self.raw(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise self.fail(key, f"must be a whole number of at least {low}, not {value!r}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, not {value!r}")
        return value

    def day(self, key: str, default: date | None = None) -> date:
        value = self.raw(key)
        if value is None:
            if default is None:
                raise self.fail(key, "is required")
            return default
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise self.fail(key, f"not a date (YYYY-MM-DD): {value!r}") from None
        if isinstance(value, date):
            return value
        raise self.fail(key, f"must be a date (YYYY-MM-DD), not {value!r}")

    def choice(self, key: str, options: tuple[str, ...], default: str) -> str:
        value = self.text(key, default)
        if value not in options:
            raise self.fail(key, f"must be one of {', '.join(options)}, not {value!r}")
        return value

    def numbers(
        self, key: str, length: int | None = None, *, low: float = 0.0
    ) -> tuple[float, ...] | None:
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, list) or not value:
            raise self.fail(key, f"must be a list of numbers, not {value!r}")
        if length is not None and len(value) != length:
            raise self.fail(key, f"must list {length} numbers, not {len(value)}")
        return tuple(self.check_number(f"{key}[{i}]", item, low) for i, item in enumerate(value))

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.raw(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, f"must be a list of strings, not {value!r}")
        return tuple(value)

    def table(self, key: str) -> Table:
        value = self.raw(key)
        return Table({} if value is None else value, self.path(key))

    def tables(self, key: str) -> list[Table]:
        value = self.raw(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(key, "must be an array of tables ([[...]])")
        return [Table(item, f"{self.path(key)}[{i}]") for i, item in enumerate(value)]

    def by_year(self, key: str, default: float) -> tuple[float, ...]:
        """A number, or a list of numbers by plan year (the last one holds after the list)."""
        value = self.raw(key)
        if value is None:
            return (default,)
        if isinstance(value, list):
            if not value:
                raise self.fail(key, "must not be an empty list")
            return tuple(self.check_number(f"{key}[{i}]", v) for i, v in enumerate(value))
        return (self.check_number(key, value),)

    def mean_sd(self, key: str, default: tuple[float, float]) -> tuple[float, float]:
        if self.raw(key) is None:
            return default
        inner = self.table(key)
        mean = inner.number("mean", default[0], high=100.0)
        sd = inner.number("sd", default[1], high=100.0)
        inner.done()
        return mean, sd
