"""Reading the console's forms: each value checked, each problem a message for its field.

A `FormCheck` collects values and messages (already in the visitor's language); a page shows a
message next to the field it names, and the empty name for the form as a whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError
from starlette.datastructures import FormData

from steppe.web.i18n import Translator

STATION_ID = re.compile(r"^[A-Za-z0-9\-._~:*]{1,48}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
TIME_ZONES = (
    "Asia/Almaty",
    "Asia/Aqtobe",
    "Asia/Aqtau",
    "Asia/Atyrau",
    "Asia/Oral",
    "Asia/Qyzylorda",
    "Asia/Qostanay",
    "Asia/Tashkent",
    "Asia/Bishkek",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "UTC",
)


@dataclass(slots=True)
class FormCheck:
    """The values read from a form and the problems found, by field name."""

    form: FormData
    tr: Translator
    errors: dict[str, str] = field(default_factory=dict)

    def _(self, message: str, **values: object) -> str:
        return self.tr.gettext(message, **values)

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    @property
    def ok(self) -> bool:
        return not self.errors

    def raw(self, name: str) -> str:
        value = self.form.get(name)
        return value.strip() if isinstance(value, str) else ""

    def text(
        self,
        name: str,
        *,
        required: bool = False,
        longest: int = 255,
        pattern: re.Pattern[str] | None = None,
    ) -> str | None:
        value = self.raw(name)
        if not value:
            if required:
                self.fail(name, self._("Fill this in."))
            return None
        if len(value) > longest:
            self.fail(name, self._("At most %(count)s characters.", count=longest))
            return None
        if pattern is not None and not pattern.match(value):
            self.fail(name, self._("This value has the wrong form."))
            return None
        return value

    def integer(
        self, name: str, *, required: bool = False, low: int | None = None, high: int | None = None
    ) -> int | None:
        value = self.raw(name)
        if not value:
            if required:
                self.fail(name, self._("Fill this in."))
            return None
        try:
            number = int(value)
        except ValueError:
            self.fail(name, self._("Enter a whole number."))
            return None
        if (low is not None and number < low) or (high is not None and number > high):
            self.fail(name, self._("Enter a number from %(low)s to %(high)s.", low=low, high=high))
            return None
        return number

    def decimal(
        self,
        name: str,
        *,
        required: bool = False,
        low: Decimal | None = None,
        high: Decimal | None = None,
    ) -> Decimal | None:
        value = self.raw(name).replace(",", ".").replace("\xa0", "").replace(" ", "")
        if not value:
            if required:
                self.fail(name, self._("Fill this in."))
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            self.fail(name, self._("Enter a number."))
            return None
        if not number.is_finite():
            self.fail(name, self._("Enter a number."))
            return None
        if low is not None and number < low:
            self.fail(name, self._("Enter a number of at least %(low)s.", low=low))
            return None
        if high is not None and number > high:
            self.fail(name, self._("Enter a number of at most %(high)s.", high=high))
            return None
        return number

    def choice(self, name: str, options: tuple[str, ...], *, required: bool = False) -> str | None:
        value = self.raw(name)
        if not value:
            if required:
                self.fail(name, self._("Choose one."))
            return None
        if value not in options:
            self.fail(name, self._("Choose one of the offered values."))
            return None
        return value

    def time_zone(self, name: str) -> str | None:
        value = self.raw(name)
        if not value:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail(name, self._("Not a time zone; use a name such as Asia/Almaty."))
            return None
        return value

    def local_time(self, name: str, zone: str | None, *, required: bool = False) -> datetime | None:
        """A `datetime-local` value, read in the time zone `zone` (UTC when None)."""
        value = self.raw(name)
        if not value:
            if required:
                self.fail(name, self._("Fill this in."))
            return None
        try:
            naive = datetime.fromisoformat(value)
        except ValueError:
            self.fail(name, self._("Enter a date and time."))
            return None
        if naive.tzinfo is not None:
            return naive
        return naive.replace(tzinfo=ZoneInfo(zone or "UTC"))

    def pydantic(self, error: ValidationError, names: dict[str, str] | None = None) -> None:
        """Put each problem pydantic found next to its field (`names` maps its paths)."""
        for problem in error.errors():
            path = ".".join(str(part) for part in problem["loc"])
            target = (names or {}).get(path, path)
            self.fail(target, self._("Check this value: %(problem)s", problem=problem["msg"]))


def values_of(form: FormData, names: tuple[str, ...]) -> dict[str, Any]:
    """The raw values of `names`, to show a form again as it was sent."""
    out: dict[str, Any] = {}
    for name in names:
        value = form.get(name)
        out[name] = value if isinstance(value, str) else ""
    return out
