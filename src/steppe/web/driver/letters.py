"""The drivers' mails, written with the pages' templates (`templates/driver/mail/`) and the
`driver` catalogues, so a receipt by mail says what its page says, in the same words."""

from __future__ import annotations

from typing import Any

from steppe.domain.drivers.models import Letter
from steppe.domain.drivers.receipts import Receipt
from steppe.web.i18n import Catalogues
from steppe.web.templating import Pages


class PageLetters:
    """Implements `steppe.domain.drivers.letters.Letters`."""

    def __init__(self, pages: Pages | None = None) -> None:
        self._pages = pages or Pages(Catalogues("driver"))

    def _write(self, name: str, language: str | None, **values: Any) -> Letter:
        t = self._pages.catalogues[language or "en"]
        subject = self._pages.render_text(f"driver/mail/{name}.subject.txt", t, values).strip()
        text = self._pages.render_text(f"driver/mail/{name}.txt", t, values).strip() + "\n"
        html = None
        if name == "receipt":
            html = self._pages.render_text("driver/mail/receipt.html", t, values)
        return Letter(subject, text, html)

    def confirmation(self, language: str | None, link: str) -> Letter:
        return self._write("confirm", language, link=link)

    def already_registered(self, language: str | None, sign_in: str, reset: str) -> Letter:
        return self._write("exists", language, sign_in=sign_in, reset=reset)

    def password_reset(self, language: str | None, link: str) -> Letter:
        return self._write("reset", language, link=link)

    def receipt(self, language: str | None, receipt: Receipt, link: str | None) -> Letter:
        return self._write("receipt", language, receipt=receipt, link=link)
