"""Languages of the pages: gettext catalogues (kk, ru, en) and locale formatting.

The catalogues are the `.po` files under `web/locale/`, kept in the repository; they are compiled
in memory when the server starts (a few milliseconds), so there is no build step and a `.mo` can
never be older than its `.po`. `steppe i18n extract` and `steppe i18n update` (or `make i18n`)
bring the `.po` files up to date with the strings in the templates and the code.

Numbers, money and dates are formatted with Babel's CLDR data for the page's language; times are
shown in the station's IANA time zone (UTC when it has none).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from importlib.resources import files
from pathlib import Path
from typing import Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations

Language = Literal["kk", "ru", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT_LANGUAGE: Language = "en"
# Each language's own name, as the switcher shows it.
LANGUAGE_NAMES: Mapping[Language, str] = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
# Where CLDR's symbol for a currency in a language is its ISO code, the sign people write.
CURRENCY_SIGNS = {"KZT": "₸", "RUB": "₽", "KGS": "сом", "UZS": "сўм", "CNY": "¥"}


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return message


def locale_dir() -> Path:
    return Path(str(files("steppe.web"))) / "locale"


def po_path(language: str, domain: str = "messages") -> Path:
    """A language's catalogue of one domain: `messages` (the console), `driver` (drivers' pages
    and mails)."""
    return locale_dir() / language / "LC_MESSAGES" / f"{domain}.po"


def compile_catalogue(language: str, domain: str = "messages") -> Translations:
    """The language's `.po` file compiled in memory."""
    with po_path(language, domain).open("rb") as source:
        catalogue = read_po(source, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)


def pick_language(*candidates: str | None, accept: str | None = None) -> Language:
    """The first supported language among `candidates`, then in an Accept-Language header."""
    for candidate in candidates:
        if candidate in LANGUAGES:
            return candidate
    for language in _accepted(accept or ""):
        if language in LANGUAGES:
            return language
    return DEFAULT_LANGUAGE


def _accepted(header: str) -> Iterable[str]:
    """Languages of an Accept-Language header, most wanted first (primary subtags only)."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        if tag:
            weighted.append((-weight, index, tag.split("-")[0].lower()))
    return [tag for _, _, tag in sorted(weighted)]


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class Translator:
    """One language's messages and formats, handed to templates and form checks."""

    language: Language
    messages: Translations | NullTranslations

    def gettext(self, message: str, **values: object) -> str:
        text = self.messages.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = self.messages.ngettext(singular, plural, n)
        return text % {"num": n, **values}

    def number(self, value: Decimal | float | int | None, digits: int = 0) -> str:
        if value is None:
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        exact = Decimal(value) if not isinstance(value, float) else Decimal(repr(value))
        rounded = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        return format_decimal(rounded, format=pattern, locale=self.language)

    def money(self, amount: Decimal | str | None, currency: str | None) -> str:
        """`2 256,00 ₸` in kk and ru, `₸2,256.00` in en."""
        if amount is None or currency is None:
            return "—"
        text = format_currency(Decimal(amount), currency, locale=self.language)
        sign = CURRENCY_SIGNS.get(currency)
        return text.replace(currency, sign) if sign and currency in text else text

    def kwh(self, wh: int | Decimal | None, digits: int = 2) -> str:
        """Watt-hours shown as kWh."""
        return "—" if wh is None else self.number(Decimal(wh) / 1000, digits)

    def kw(self, w: int | Decimal | None, digits: int = 1) -> str:
        return "—" if w is None else self.number(Decimal(w) / 1000, digits)

    def datetime(self, moment: dt.datetime | None, time_zone: str | None = None) -> str:
        if moment is None:
            return "—"
        return format_datetime(moment, "short", tzinfo=zone(time_zone), locale=self.language)

    def date(self, day: dt.date | None) -> str:
        return "—" if day is None else format_date(day, "medium", locale=self.language)

    def short_date(self, day: dt.date) -> str:
        return format_date(day, "dd.MM" if self.language != "en" else "MM/dd", locale=self.language)

    def time(self, moment: dt.datetime | None, time_zone: str | None = None) -> str:
        if moment is None:
            return "—"
        return format_time(moment, "short", tzinfo=zone(time_zone), locale=self.language)

    def duration(self, seconds: float | int | None) -> str:
        """`1:05:09` (hours, minutes, seconds)."""
        if seconds is None:
            return "—"
        whole = max(int(seconds), 0)
        return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


class Catalogues:
    """Every language's translator of one domain, made once when the server starts."""

    def __init__(self, domain: str = "messages") -> None:
        self._translators: dict[str, Translator] = {}
        for language in LANGUAGES:
            self._translators[language] = Translator(language, compile_catalogue(language, domain))

    def __getitem__(self, language: str) -> Translator:
        return self._translators.get(language) or self._translators[DEFAULT_LANGUAGE]
