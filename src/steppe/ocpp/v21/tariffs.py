"""Steppe's tariffs (the OCPI 2.2.1 model) as OCPP 2.1 TariffType, for SetDefaultTariff and
ChangeTransactionTariff.

The two models are close: a price per kWh, per minute charging, per minute idle and a fixed
fee, each a list of prices whose conditions say when they apply. What changes on the way:

- TIME and PARKING_TIME are priced per hour in OCPI and per minute in OCPP: divided by 60.
- `min_power`/`max_power` are kW in OCPI and W in OCPP; `min_kwh`/`max_kwh` kWh and Wh: x1000.
- `min_duration`/`max_duration` (seconds since the session started) become `minTime`/`maxTime`.
- A FLAT price keeps only the time, day and date conditions (OCPP's fixed-price conditions
  have no energy, power, current or duration bounds); a FLAT element restricted otherwise is
  left out, and said so in the tariff's description.
- OCPP has no `step_size`: the station bills exact quantities. A tariff with step sizes above 1
  can cost more in Steppe's CDR than at the station.
- VAT: OCPP has one list of tax rates per dimension, not per price: the first component's
  `vat` of each dimension is sent. A component without `vat` (the country's rate in Steppe)
  sends no tax rate, and the station's incl.-tax total is then its excl.-tax total.
- `end_date_time` has no OCPP field (a tariff at the station lasts until replaced or
  cleared); `start_date_time` is `validFrom`. `type` has no counterpart.
- Elements with a `reservation` restriction price reservations, which Steppe does not bill:
  left out.
- Prices go as JSON numbers (OCPP has no decimal strings).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from steppe.domain.tariffs.models import Dimension, Element, PriceComponent, Restrictions, Tariff
from steppe.ocpp.timestamps import format_timestamp

MAX_DESCRIPTIONS = 10
MINUTES_PER_HOUR = Decimal(60)
_SECTIONS = {
    Dimension.ENERGY: ("energy", "priceKwh"),
    Dimension.TIME: ("chargingTime", "priceMinute"),
    Dimension.PARKING_TIME: ("idleTime", "priceMinute"),
    Dimension.FLAT: ("fixedFee", "priceFixed"),
}
# Restrictions a fixed price can carry in OCPP.
_FIXED_ONLY = frozenset({"start_time", "end_time", "start_date", "end_date", "day_of_week"})


def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def _price(component: PriceComponent) -> Decimal:
    if component.type in (Dimension.TIME, Dimension.PARKING_TIME):
        return component.price / MINUTES_PER_HOUR
    return component.price


def conditions(restrictions: Restrictions | None) -> dict[str, Any]:
    """OCPI restrictions as OCPP TariffConditionsType."""
    if restrictions is None:
        return {}
    r = restrictions
    out: dict[str, Any] = {}
    if r.start_time is not None:
        out["startTimeOfDay"] = r.start_time.strftime("%H:%M")
    if r.end_time is not None:
        out["endTimeOfDay"] = r.end_time.strftime("%H:%M")
    if r.day_of_week:
        out["dayOfWeek"] = [day.value.capitalize() for day in r.day_of_week]
    if r.start_date is not None:
        out["validFromDate"] = r.start_date.isoformat()
    if r.end_date is not None:
        out["validToDate"] = r.end_date.isoformat()
    thousand = Decimal(1000)
    for name, field, scale in (
        ("min_kwh", "minEnergy", thousand),
        ("max_kwh", "maxEnergy", thousand),
        ("min_power", "minPower", thousand),
        ("max_power", "maxPower", thousand),
        ("min_current", "minCurrent", Decimal(1)),
        ("max_current", "maxCurrent", Decimal(1)),
    ):
        value = getattr(r, name)
        if value is not None:
            out[field] = _number(value * scale)
    if r.min_duration is not None:
        out["minTime"] = r.min_duration
    if r.max_duration is not None:
        out["maxTime"] = r.max_duration
    return out


def _fixed_fits(restrictions: Restrictions | None) -> bool:
    if restrictions is None:
        return True
    given = set(restrictions.as_dict())
    return given <= _FIXED_ONLY


def to_ocpp(tariff: Tariff, *, tariff_id: str | None = None) -> dict[str, Any]:
    """`tariff` as an OCPP 2.1 TariffType."""
    sections: dict[str, dict[str, Any]] = {}
    left_out = False
    for element in tariff.elements:
        left_out |= _add_element(sections, element)
    out: dict[str, Any] = {"tariffId": tariff_id or tariff.id, "currency": tariff.currency}
    descriptions = [
        {"format": "UTF8", "language": text["language"][:8], "content": text["text"][:1024]}
        for text in tariff.tariff_alt_text[:MAX_DESCRIPTIONS]
    ]
    if left_out and len(descriptions) < MAX_DESCRIPTIONS:
        descriptions.append(
            {"format": "UTF8", "content": "Some conditions of this tariff are not shown here."}
        )
    if descriptions:
        out["description"] = descriptions
    if tariff.start_date_time is not None:
        out["validFrom"] = format_timestamp(tariff.start_date_time)
    out.update(sections)
    for name, price in (("minCost", tariff.min_price), ("maxCost", tariff.max_price)):
        if price is not None:
            cost: dict[str, Any] = {"exclTax": _number(price.excl_vat)}
            if price.incl_vat is not None:
                cost["inclTax"] = _number(price.incl_vat)
            out[name] = cost
    return out


def _add_element(sections: dict[str, dict[str, Any]], element: Element) -> bool:
    """Add an element's prices to their sections; True when part of it had to be left out."""
    restrictions = element.restrictions
    if restrictions is not None and restrictions.reservation is not None:
        return True
    left_out = False
    for component in element.price_components:
        name, price_field = _SECTIONS[component.type]
        if component.type is Dimension.FLAT and not _fixed_fits(restrictions):
            left_out = True
            continue
        price: dict[str, Any] = {price_field: _number(_price(component))}
        when = conditions(restrictions)
        if when:
            price["conditions"] = when
        section = sections.setdefault(name, {"prices": []})
        section["prices"].append(price)
        if component.vat is not None and "taxRates" not in section:
            section["taxRates"] = [{"type": "VAT", "tax": _number(component.vat)}]
    return left_out
