"""What the drivers' mails say: a port the pages fill in, so a mail and its page share one set
of templates and translations (kk, ru, en)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from steppe.domain.drivers.models import Letter

if TYPE_CHECKING:
    from steppe.domain.drivers.receipts import Receipt


class Letters(Protocol):
    """Each mail's subject and body in `language` (None: the default language)."""

    def confirmation(self, language: str | None, link: str) -> Letter: ...

    def already_registered(self, language: str | None, sign_in: str, reset: str) -> Letter: ...

    def password_reset(self, language: str | None, link: str) -> Letter: ...

    def receipt(self, language: str | None, receipt: Receipt, link: str | None) -> Letter: ...
