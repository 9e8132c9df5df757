"""The planning report's language: its own gettext catalogue (kk, ru, en) and number formats.

The messages are the English texts of `report.py`; `planning/locale/<lang>/LC_MESSAGES/
planning.po` holds the Kazakh and Russian ones (`steppe i18n update` keeps them in step, like the
pages' catalogues). The catalogue is compiled in memory when a report is written. Numbers are
formatted by Babel's CLDR data for the language (`0,123` and `1 234` in kk and ru).

What stays as the data says it: site and charger-kind ids from the scenario, months as
`YYYY-MM`, and the notes about stored stations (`network = "current"`), which name database rows.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Literal, get_args

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

ReportLanguage = Literal["en", "ru", "kk"]
REPORT_LANGUAGES: tuple[ReportLanguage, ...] = get_args(ReportLanguage)
DOMAIN = "planning"


def catalogue_path(language: str) -> Path:
    return Path(str(files("steppe.planning"))) / "locale" / language / "LC_MESSAGES" / "planning.po"


def _messages(language: ReportLanguage) -> Translations | NullTranslations:
    if language == "en":
        return NullTranslations()  # the messages are English
    with catalogue_path(language).open("rb") as source:
        catalogue = read_po(source, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return message


@dataclass(frozen=True, slots=True)
class ReportText:
    """One language's texts and number formats for the report."""

    language: ReportLanguage
    messages: Translations | NullTranslations

    @classmethod
    def of(cls, language: ReportLanguage) -> ReportText:
        return cls(language, _messages(language))

    def __call__(self, message: str, **values: object) -> str:
        text = self.messages.gettext(message)
        return text % values if values else text

    def number(self, value: float | int | Decimal) -> str:
        """Three significant digits below 10, whole numbers with grouping above."""
        if isinstance(value, float) and abs(value) < 10:
            return format_decimal(
                Decimal(f"{value:.3g}"), format="#,##0.######", locale=self.language
            )
        return format_decimal(round(Decimal(value)), format="#,##0", locale=self.language)
