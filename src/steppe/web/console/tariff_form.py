"""The tariff editor's form, read into an OCPI 2.2.1 tariff and written back from one.

Each element is a block of restrictions (times, days, kWh, power, duration) with one row per
dimension (energy per kWh, charging time per hour, parking time per hour, a flat fee): a row
with a price is a price component, an empty row is none. The domain's parser checks the result;
its messages name the OCPI path, which is turned back into the form field it came from.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from steppe.domain.tariffs.models import Tariff
from steppe.errors import InvalidInput
from steppe.web.console.forms import FormCheck

DIMENSIONS = ("ENERGY", "TIME", "PARKING_TIME", "FLAT")
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
TIME_OF_DAY = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
TYPES = ("REGULAR", "AD_HOC_PAYMENT", "PROFILE_CHEAP", "PROFILE_FAST", "PROFILE_GREEN")
LANGUAGES = ("kk", "ru", "en")
LIMITS = ("min_kwh", "max_kwh", "min_power", "max_power")
DURATIONS = ("min_duration", "max_duration")
OCPI_PATH = re.compile(r"^(?P<path>[\w\[\]\.]+): (?P<problem>.*)$")
MOST_ELEMENTS = 20


def blank_element() -> dict[str, Any]:
    element: dict[str, Any] = {"days": []}
    for name in ("start_time", "end_time", *LIMITS, *DURATIONS):
        element[name] = ""
    for dimension in DIMENSIONS:
        element[dimension] = {"price": "", "vat": "", "step": ""}
    return element


def form_values_of(tariff: Tariff) -> dict[str, Any]:
    """A stored tariff as the form shows it."""
    elements = []
    for element in tariff.elements:
        shown = blank_element()
        r = element.restrictions
        if r is not None:
            shown["start_time"] = r.start_time.strftime("%H:%M") if r.start_time else ""
            shown["end_time"] = r.end_time.strftime("%H:%M") if r.end_time else ""
            shown["days"] = [day.value for day in r.day_of_week]
            for name in LIMITS:
                value = getattr(r, name)
                shown[name] = "" if value is None else str(value)
            for name in DURATIONS:
                value = getattr(r, name)
                shown[name] = "" if value is None else str(Decimal(value) / 60)
        for component in element.price_components:
            shown[component.type.value] = {
                "price": str(component.price),
                "vat": "" if component.vat is None else str(component.vat),
                "step": str(component.step_size),
            }
        elements.append(shown)
    texts = {t["language"]: t["text"] for t in tariff.tariff_alt_text}
    return {
        "id": tariff.id,
        "currency": tariff.currency,
        "type": tariff.type.value if tariff.type else "",
        "texts": {language: texts.get(language, "") for language in LANGUAGES},
        "min_price": "" if tariff.min_price is None else str(tariff.min_price.excl_vat),
        "max_price": "" if tariff.max_price is None else str(tariff.max_price.excl_vat),
        "elements": elements,
    }


def read(check: FormCheck, *, tariff_id: str | None) -> tuple[dict[str, Any], Tariff | None]:
    """The form as typed (to show again) and the tariff it describes (None when it has errors).

    `tariff_id` is the id of the tariff being edited; for a new one it comes from the form.
    """
    count = min(check.integer("elements", low=0, high=MOST_ELEMENTS) or 1, MOST_ELEMENTS)
    shown: dict[str, Any] = {
        "id": tariff_id or check.raw("id"),
        "currency": check.raw("currency"),
        "type": check.raw("type"),
        "texts": {language: check.raw(f"text.{language}") for language in LANGUAGES},
        "min_price": check.raw("min_price"),
        "max_price": check.raw("max_price"),
        "elements": [],
    }
    body: dict[str, Any] = {
        "id": shown["id"],
        "currency": shown["currency"],
        "type": shown["type"] or None,
        "tariff_alt_text": [
            {"language": language, "text": text}
            for language, text in shown["texts"].items()
            if text
        ],
        "elements": [],
    }
    if not shown["id"]:
        check.fail("id", check._("Fill this in."))
    if not shown["currency"]:
        check.fail("currency", check._("Choose one."))
    for name in ("min_price", "max_price"):
        amount = check.decimal(name, low=Decimal(0))
        if amount is not None:
            body[name] = {"excl_vat": str(amount)}
    paths: dict[str, str] = {}
    for index in range(count):
        element, components, restrictions = _element(check, index, paths, len(body["elements"]))
        shown["elements"].append(element)
        if components:
            entry: dict[str, Any] = {"price_components": components}
            if restrictions:
                entry["restrictions"] = restrictions
            body["elements"].append(entry)
    if not body["elements"]:
        check.fail("e0.ENERGY.price", check._("Give at least one price."))
    if not check.ok:
        return shown, None
    try:
        return shown, Tariff.from_dict(body)
    except InvalidInput as exc:
        found = OCPI_PATH.match(str(exc))
        target = paths.get(found.group("path"), "") if found else ""
        check.fail(
            target,
            check._(
                "Check this value: %(problem)s",
                problem=found.group("problem") if found else str(exc),
            ),
        )
        return shown, None


def _element(
    check: FormCheck, index: int, paths: dict[str, str], position: int
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    prefix = f"e{index}."
    shown = blank_element()
    restrictions: dict[str, Any] = {}
    for name in ("start_time", "end_time"):
        value = check.raw(prefix + name)
        shown[name] = value
        if value:
            if TIME_OF_DAY.match(value):
                restrictions[name] = value
            else:
                check.fail(prefix + name, check._("Use hours and minutes, such as 07:00."))
    days = [day for day in check.form.getlist(prefix + "days") if day in DAYS]
    shown["days"] = days
    if days:
        restrictions["day_of_week"] = days
    for name in LIMITS:
        shown[name] = check.raw(prefix + name)
        limit = check.decimal(prefix + name, low=Decimal(0))
        if limit is not None:
            restrictions[name] = str(limit)
            paths[f"elements[{position}].restrictions.{name}"] = prefix + name
    for name in DURATIONS:
        shown[name] = check.raw(prefix + name)
        minutes = check.decimal(prefix + name, low=Decimal(0))
        if minutes is not None:
            restrictions[name] = int(minutes * 60)
            paths[f"elements[{position}].restrictions.{name}"] = prefix + name
    components: list[dict[str, Any]] = []
    for dimension in DIMENSIONS:
        row = prefix + dimension + "."
        shown[dimension] = {
            "price": check.raw(row + "price"),
            "vat": check.raw(row + "vat"),
            "step": check.raw(row + "step"),
        }
        price = check.decimal(row + "price", low=Decimal(0))
        vat = check.decimal(row + "vat", low=Decimal(0), high=Decimal(100))
        step = check.integer(row + "step", low=0, high=86400)
        if price is None:
            if shown[dimension]["vat"] or shown[dimension]["step"]:
                check.fail(row + "price", check._("Give a price, or clear this row."))
            continue
        at = f"elements[{position}].price_components[{len(components)}]"
        paths[at + ".price"] = row + "price"
        paths[at + ".vat"] = row + "vat"
        paths[at + ".step_size"] = row + "step"
        component: dict[str, Any] = {"type": dimension, "price": str(price), "step_size": step or 1}
        if vat is not None:
            component["vat"] = str(vat)
        components.append(component)
    return shown, components, restrictions
