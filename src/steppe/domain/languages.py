"""The languages people may choose for the pages and their mail: Kazakh, Russian, English."""

from __future__ import annotations

from steppe.errors import InvalidInput

LANGUAGES = ("kk", "ru", "en")


def check_language(language: str | None) -> None:
    """InvalidInput unless `language` is None or one of LANGUAGES."""
    if language is not None and language not in LANGUAGES:
        raise InvalidInput(f"language: must be one of {', '.join(LANGUAGES)}")
