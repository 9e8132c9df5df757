"""A tariff in words for drivers: the operator's own text in the driver's language when the
tariff has one (`tariff_alt_text`), else sentences made from its elements, with prices as the
driver pays them (VAT of the station's country included): "120,00 ₸ per kWh, 07:00-23:00",
"80,00 ₸ per kWh, 23:00-07:00", "200,00 ₸ per session"."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import get_day_names

from steppe.domain.tariffs.models import DayOfWeek, Dimension, PriceComponent, Restrictions, Tariff
from steppe.domain.tariffs.vat import vat_rate
from steppe.web.i18n import N_, Translator

UNIT = {
    Dimension.ENERGY: N_("%(price)s per kWh"),
    Dimension.TIME: N_("%(price)s per hour of charging"),
    Dimension.PARKING_TIME: N_("%(price)s per hour parked after charging"),
    Dimension.FLAT: N_("%(price)s per session"),
}


def describe(tariff: Tariff, t: Translator, *, country: str | None, today: date) -> list[str]:
    """Lines that say what a charge costs under `tariff`."""
    for text in tariff.tariff_alt_text:
        if text.get("language", "").lower()[:2] == t.language:
            return [text["text"]]
    rate = vat_rate(country, today)
    lines: list[str] = []
    for element in tariff.elements:
        when = _when(element.restrictions, t)
        for component in element.price_components:
            price = t.money(_with_vat(component, rate), tariff.currency)
            line = t.gettext(UNIT[component.type], price=price)
            lines.append(f"{line}, {when}" if when else line)
    if tariff.min_price is not None:
        least = _bound(tariff.min_price.excl_vat, tariff.min_price.incl_vat, rate)
        lines.append(
            t.gettext("at least %(price)s a session", price=t.money(least, tariff.currency))
        )
    if tariff.max_price is not None:
        most = _bound(tariff.max_price.excl_vat, tariff.max_price.incl_vat, rate)
        lines.append(t.gettext("at most %(price)s a session", price=t.money(most, tariff.currency)))
    if rate is None and not any(c.vat for e in tariff.elements for c in e.price_components):
        lines.append(t.gettext("Prices exclude VAT."))
    else:
        lines.append(t.gettext("VAT included."))
    return lines


def _with_vat(component: PriceComponent, rate: Decimal | None) -> Decimal:
    percent = component.vat if component.vat is not None else rate
    return component.price if percent is None else component.price * (1 + percent / 100)


def _bound(excl: Decimal, incl: Decimal | None, rate: Decimal | None) -> Decimal:
    if incl is not None:
        return incl
    return excl if rate is None else excl * (1 + rate / 100)


def _when(r: Restrictions | None, t: Translator) -> str:
    if r is None:
        return ""
    parts: list[str] = []
    if r.start_time is not None or r.end_time is not None:
        start = r.start_time.strftime("%H:%M") if r.start_time else "00:00"
        end = r.end_time.strftime("%H:%M") if r.end_time else "24:00"
        parts.append(f"{start}\u2013{end}")
    if r.day_of_week:
        names = get_day_names("abbreviated", locale=t.language)
        order = list(DayOfWeek)
        parts.append(", ".join(names[order.index(day)] for day in r.day_of_week))
    if r.min_kwh is not None:
        parts.append(t.gettext("from %(kwh)s kWh", kwh=t.number(r.min_kwh, 0)))
    if r.max_kwh is not None:
        parts.append(t.gettext("up to %(kwh)s kWh", kwh=t.number(r.max_kwh, 0)))
    if r.min_power is not None:
        parts.append(t.gettext("at %(kw)s kW or more", kw=t.number(r.min_power, 0)))
    if r.max_power is not None:
        parts.append(t.gettext("below %(kw)s kW", kw=t.number(r.max_power, 0)))
    if r.min_duration is not None:
        parts.append(t.gettext("after %(minutes)s min", minutes=t.number(r.min_duration // 60)))
    if r.max_duration is not None:
        parts.append(t.gettext("the first %(minutes)s min", minutes=t.number(r.max_duration // 60)))
    return ", ".join(parts)
