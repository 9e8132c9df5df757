"""Keeping the catalogues in step with the pages: `steppe i18n extract | update | check`.

`extract` collects every message of the templates (`_("...")`) and of the web code (`_`,
`gettext`, `N_`) into `web/locale/<domain>.pot`; `update` merges it into each language's `.po`
(new messages untranslated, vanished ones dropped); `check` lists the messages a language has not
translated yet (English needs none: its messages are the keys).

Three domains: `messages` for the console, `driver` for the drivers' pages and mails
(`web/driver/`, `templates/driver/`), each with its own files so either can change alone, and
`planning` for the planning report (`planning/report.py`; its catalogues live in
`planning/locale/`, beside the code that reads them, so the report needs nothing of the web layer).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from steppe.web.i18n import LANGUAGES, locale_dir

DRIVER_PATHS = [
    ("driver/**.py", "python"),
    ("**/templates/driver/**.html", "jinja2"),
    ("**/templates/driver/**.txt", "jinja2"),
]
METHODS = {
    "messages": [(path, "ignore") for path, _ in DRIVER_PATHS]
    + [("**/templates/**.html", "jinja2"), ("**.py", "python")],
    "driver": DRIVER_PATHS,
    "planning": [("report.py", "python")],
}
DOMAINS = tuple(METHODS)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
OPTIONS = {
    "**/templates/**.html": {"extensions": "", "trimmed": "true"},
    "**/templates/driver/**.txt": {"extensions": "", "trimmed": "true"},
}


def web_dir() -> Path:
    return locale_dir().parent


def planning_dir() -> Path:
    return Path(str(files("steppe.planning")))


def source_dir(domain: str) -> Path:
    """Where a domain's messages are extracted from."""
    return planning_dir() if domain == "planning" else web_dir()


def catalogue_dir(domain: str) -> Path:
    """Where a domain's `.pot` and `<lang>/LC_MESSAGES/<domain>.po` files are."""
    return planning_dir() / "locale" if domain == "planning" else locale_dir()


def catalogue(language: str, domain: str) -> Path:
    return catalogue_dir(domain) / language / "LC_MESSAGES" / f"{domain}.po"


def extract(domain: str = "messages") -> Catalog:
    """Every message of the domain's templates and web code, in a new template catalogue."""
    catalog = Catalog(project="Steppe", msgid_bugs_address="", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(source_dir(domain)),
        method_map=METHODS[domain],
        options_map=OPTIONS,
        keywords=KEYWORDS,
        comment_tags=("Translators:",),
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    with (catalogue_dir(domain) / f"{domain}.pot").open("wb") as out:
        write_po(out, catalog, omit_header=False, sort_output=True, width=100)
    return catalog


def update(template: Catalog | None = None, domain: str = "messages") -> dict[str, int]:
    """Merge the template into each `.po`; how many messages each still lacks."""
    template = template or extract(domain)
    missing: dict[str, int] = {}
    for language in LANGUAGES:
        path = catalogue(language, domain)
        if path.exists():
            with path.open("rb") as source:
                catalog = read_po(source, locale=language)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=language, project="Steppe", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.obsolete.clear()
        catalog.fuzzy = False
        with path.open("wb") as out:
            write_po(out, catalog, sort_output=True, width=100, ignore_obsolete=True)
        missing[language] = len(untranslated(language, domain))
    return missing


def untranslated(language: str, domain: str = "messages") -> list[str]:
    """The messages of a language's catalogue that have no translation (none for English)."""
    if language == "en":
        return []
    with catalogue(language, domain).open("rb") as source:
        catalog = read_po(source, locale=language)
    out = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out
