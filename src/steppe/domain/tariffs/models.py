"""The OCPI 2.2.1 tariff model: tariff, elements, price components, restrictions.

Prices exclude VAT. `vat` on a component is a percent; None means "not given", in which case the
engine uses the country's rate (see `vat.py`). Values are `Decimal`; the JSON form written by
`as_dict` keeps them as strings so nothing passes through a float.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from steppe.domain.tariffs.currencies import MINOR_UNITS
from steppe.errors import InvalidInput


class Dimension(StrEnum):
    ENERGY = "ENERGY"
    TIME = "TIME"
    PARKING_TIME = "PARKING_TIME"
    FLAT = "FLAT"


class DayOfWeek(StrEnum):
    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"

    @classmethod
    def of(cls, day: date) -> DayOfWeek:
        return tuple(cls)[day.weekday()]


class TariffType(StrEnum):
    AD_HOC_PAYMENT = "AD_HOC_PAYMENT"
    PROFILE_CHEAP = "PROFILE_CHEAP"
    PROFILE_FAST = "PROFILE_FAST"
    PROFILE_GREEN = "PROFILE_GREEN"
    REGULAR = "REGULAR"


# How large a tariff may be and how far its figures may go: pricing works through every
# element for every period of a session, and every figure ends up in a sum of money.
MAX_ELEMENTS = 100
MAX_COMPONENTS = 8  # per element; there are four dimensions
MAX_ALT_TEXTS = 32
MAX_PRICE = Decimal(10) ** 9  # per kWh, per hour or once; also min_price and max_price
MAX_STEP_SIZE = 86_400  # Wh or seconds
MAX_DURATION_S = 366 * 86_400  # min_duration and max_duration
MAX_QUANTITY = Decimal(10) ** 6  # kWh, A and kW bounds
MAX_DECIMALS = 10  # digits after the point in any figure

TIME_OF_DAY = re.compile(r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$")
TARIFF_ID = re.compile(r"^[A-Za-z0-9\-._~:]{1,36}$")


@dataclass(frozen=True, slots=True)
class Price:
    excl_vat: Decimal
    incl_vat: Decimal | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"excl_vat": str(self.excl_vat), "incl_vat": _text(self.incl_vat)}


@dataclass(frozen=True, slots=True)
class PriceComponent:
    type: Dimension
    price: Decimal
    step_size: int = 1
    vat: Decimal | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type.value,
            "price": str(self.price),
            "vat": _text(self.vat),
            "step_size": self.step_size,
        }


@dataclass(frozen=True, slots=True)
class Restrictions:
    """When an element applies; each bound given is checked, local times in the location's zone.

    `start_time`/`end_time` wrap past midnight when the end comes before the start; `end_date`,
    `max_kwh`, `max_duration`, `max_power` and `max_current` are exclusive, the minimums inclusive.
    """

    start_time: time | None = None
    end_time: time | None = None
    start_date: date | None = None
    end_date: date | None = None
    min_kwh: Decimal | None = None
    max_kwh: Decimal | None = None
    min_current: Decimal | None = None
    max_current: Decimal | None = None
    min_power: Decimal | None = None
    max_power: Decimal | None = None
    min_duration: int | None = None
    max_duration: int | None = None
    day_of_week: tuple[DayOfWeek, ...] = ()
    reservation: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if value is None or value == ():
                continue
            if isinstance(value, time):
                out[name] = value.strftime("%H:%M")
            elif isinstance(value, date):
                out[name] = value.isoformat()
            elif isinstance(value, Decimal):
                out[name] = str(value)
            elif name == "day_of_week":
                out[name] = [day.value for day in value]
            else:
                out[name] = value
        return out


@dataclass(frozen=True, slots=True)
class Element:
    price_components: tuple[PriceComponent, ...]
    restrictions: Restrictions | None = None

    def component(self, dimension: Dimension) -> PriceComponent | None:
        for component in self.price_components:
            if component.type is dimension:
                return component
        return None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"price_components": [c.as_dict() for c in self.price_components]}
        if self.restrictions is not None:
            out["restrictions"] = self.restrictions.as_dict()
        return out


@dataclass(frozen=True, slots=True)
class Tariff:
    id: str
    currency: str
    elements: tuple[Element, ...]
    type: TariffType | None = None
    tariff_alt_text: tuple[dict[str, str], ...] = ()
    min_price: Price | None = None
    max_price: Price | None = None
    start_date_time: datetime | None = None
    end_date_time: datetime | None = None
    last_updated: datetime | None = field(default=None, compare=False)

    def valid_at(self, moment: datetime) -> bool:
        """Whether this tariff is in force at `moment` (start inclusive, end exclusive)."""
        if self.start_date_time is not None and moment < self.start_date_time:
            return False
        return self.end_date_time is None or moment < self.end_date_time

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "currency": self.currency,
            "type": self.type.value if self.type else None,
            "tariff_alt_text": [dict(text) for text in self.tariff_alt_text],
            "min_price": self.min_price.as_dict() if self.min_price else None,
            "max_price": self.max_price.as_dict() if self.max_price else None,
            "elements": [element.as_dict() for element in self.elements],
            "start_date_time": _when(self.start_date_time),
            "end_date_time": _when(self.end_date_time),
            "last_updated": _when(self.last_updated),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tariff:
        """Parse and check a tariff body; a bad value raises `InvalidInput` naming its field."""
        return _parse_tariff(data)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


# -- parsing -------------------------------------------------------------------------------------


def _fail(where: str, problem: str) -> InvalidInput:
    return InvalidInput(f"{where}: {problem}")


def _decimal(
    value: Any,
    where: str,
    *,
    minimum: Decimal | None = Decimal(0),
    maximum: Decimal = MAX_QUANTITY,
) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise _fail(where, "must be a number")
    try:
        # A float goes through its shortest repr, so 0.1 stays 0.1.
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise _fail(where, f"not a decimal number: {value!r}") from None
    if not number.is_finite():
        raise _fail(where, "must be finite")
    if minimum is not None and number < minimum:
        raise _fail(where, f"must be at least {minimum}")
    if number > maximum:
        raise _fail(where, f"must be at most {maximum}")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMALS:
        raise _fail(where, f"at most {MAX_DECIMALS} digits after the point")
    return number


def _optional_decimal(data: dict[str, Any], name: str, where: str) -> Decimal | None:
    value = data.get(name)
    return None if value is None else _decimal(value, f"{where}.{name}")


def _int(value: Any, where: str, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, "must be a whole number")
    if value < 0:
        raise _fail(where, "must not be negative")
    if value > maximum:
        raise _fail(where, f"must be at most {maximum}")
    return value


def _time(value: Any, where: str) -> time:
    if not isinstance(value, str) or not TIME_OF_DAY.match(value):
        raise _fail(where, "must be HH:MM (24 h, leading zeros)")
    return time(int(value[:2]), int(value[3:]))


def _date(value: Any, where: str) -> date:
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(where, "must be a date YYYY-MM-DD") from None


def _datetime(value: Any, where: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise _fail(where, "must be an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        raise _fail(where, "must carry a time zone (UTC)")
    try:
        parsed.astimezone(UTC)
    except OverflowError:
        raise _fail(where, "out of the range of dates") from None
    return parsed


def _price(value: Any, where: str) -> Price | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _fail(where, "must be an object with excl_vat and incl_vat")
    if value.get("excl_vat") is None:
        raise _fail(f"{where}.excl_vat", "is required")
    excl = _decimal(value["excl_vat"], f"{where}.excl_vat", maximum=MAX_PRICE)
    incl = value.get("incl_vat")
    incl = None if incl is None else _decimal(incl, f"{where}.incl_vat", maximum=MAX_PRICE)
    return Price(excl, incl)


def _component(value: Any, where: str) -> PriceComponent:
    if not isinstance(value, dict):
        raise _fail(where, "must be an object")
    try:
        dimension = Dimension(str(value.get("type")))
    except ValueError:
        raise _fail(f"{where}.type", f"must be one of {', '.join(Dimension)}") from None
    if value.get("price") is None:
        raise _fail(f"{where}.price", "is required")
    price = _decimal(value["price"], f"{where}.price", maximum=MAX_PRICE)
    step = value.get("step_size", 1)
    step_size = _int(step, f"{where}.step_size", MAX_STEP_SIZE)
    vat = _optional_decimal(value, "vat", where)
    if vat is not None and vat > 100:
        raise _fail(f"{where}.vat", "is a percent, at most 100")
    return PriceComponent(dimension, price, step_size, vat)


def _restrictions(value: Any, where: str) -> Restrictions | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _fail(where, "must be an object")
    known = set(Restrictions.__dataclass_fields__)
    for name in value:
        if name not in known:
            raise _fail(f"{where}.{name}", "is not a tariff restriction")
    fields: dict[str, Any] = {}
    for name in ("start_time", "end_time"):
        if value.get(name) is not None:
            fields[name] = _time(value[name], f"{where}.{name}")
    for name in ("start_date", "end_date"):
        if value.get(name) is not None:
            fields[name] = _date(value[name], f"{where}.{name}")
    for name in ("min_kwh", "max_kwh", "min_current", "max_current", "min_power", "max_power"):
        fields[name] = _optional_decimal(value, name, where)
    for name in ("min_duration", "max_duration"):
        if value.get(name) is not None:
            fields[name] = _int(value[name], f"{where}.{name}", MAX_DURATION_S)
    days = value.get("day_of_week") or []
    if not isinstance(days, list) or len(days) > len(DayOfWeek):
        raise _fail(f"{where}.day_of_week", "must be a list of at most seven days")
    try:
        fields["day_of_week"] = tuple(DayOfWeek(day) for day in days)
    except ValueError:
        raise _fail(f"{where}.day_of_week", "days are MONDAY ... SUNDAY") from None
    reservation = value.get("reservation")
    if reservation not in (None, "RESERVATION", "RESERVATION_EXPIRES"):
        raise _fail(f"{where}.reservation", "must be RESERVATION or RESERVATION_EXPIRES")
    fields["reservation"] = reservation
    restrictions = Restrictions(**fields)
    for low, high in (
        ("min_kwh", "max_kwh"),
        ("min_current", "max_current"),
        ("min_power", "max_power"),
        ("min_duration", "max_duration"),
        ("start_date", "end_date"),
    ):
        lo, hi = getattr(restrictions, low), getattr(restrictions, high)
        if lo is not None and hi is not None and lo > hi:
            raise _fail(f"{where}.{high}", f"must not be below {low}")
    return restrictions


def _element(value: Any, where: str) -> Element:
    if not isinstance(value, dict):
        raise _fail(where, "must be an object")
    components = value.get("price_components")
    if not isinstance(components, list) or not components:
        raise _fail(f"{where}.price_components", "must list at least one price component")
    if len(components) > MAX_COMPONENTS:
        raise _fail(f"{where}.price_components", f"at most {MAX_COMPONENTS} per element")
    return Element(
        tuple(_component(c, f"{where}.price_components[{i}]") for i, c in enumerate(components)),
        _restrictions(value.get("restrictions"), f"{where}.restrictions"),
    )


def _parse_tariff(data: dict[str, Any]) -> Tariff:
    tariff_id = data.get("id")
    if not isinstance(tariff_id, str) or not TARIFF_ID.match(tariff_id):
        raise _fail("id", "1 to 36 of A-Z a-z 0-9 - . _ ~ :")
    currency = data.get("currency")
    if currency not in MINOR_UNITS:
        raise _fail("currency", f"not a supported ISO 4217 code: {currency!r}")
    elements = data.get("elements")
    if not isinstance(elements, list) or not elements:
        raise _fail("elements", "must list at least one element")
    if len(elements) > MAX_ELEMENTS:
        raise _fail("elements", f"at most {MAX_ELEMENTS} elements")
    kind = data.get("type")
    try:
        tariff_type = None if kind is None else TariffType(kind)
    except ValueError:
        raise _fail("type", f"must be one of {', '.join(TariffType)}") from None
    texts = data.get("tariff_alt_text") or []
    if (
        not isinstance(texts, list)
        or len(texts) > MAX_ALT_TEXTS
        or not all(
            isinstance(t, dict)
            and isinstance(t.get("language"), str)
            and isinstance(t.get("text"), str)
            for t in texts
        )
    ):
        raise _fail("tariff_alt_text", "must be a list of {language, text}")
    tariff = Tariff(
        id=tariff_id,
        currency=str(currency),
        elements=tuple(_element(e, f"elements[{i}]") for i, e in enumerate(elements)),
        type=tariff_type,
        tariff_alt_text=tuple({"language": t["language"], "text": t["text"]} for t in texts),
        min_price=_price(data.get("min_price"), "min_price"),
        max_price=_price(data.get("max_price"), "max_price"),
        start_date_time=_datetime(data.get("start_date_time"), "start_date_time"),
        end_date_time=_datetime(data.get("end_date_time"), "end_date_time"),
        last_updated=_datetime(data.get("last_updated"), "last_updated"),
    )
    if (
        tariff.start_date_time is not None
        and tariff.end_date_time is not None
        and tariff.end_date_time <= tariff.start_date_time
    ):
        raise _fail("end_date_time", "must come after start_date_time")
    if (
        tariff.min_price
        and tariff.max_price
        and tariff.min_price.excl_vat > tariff.max_price.excl_vat
    ):
        raise _fail("max_price", "must not be below min_price")
    return tariff
