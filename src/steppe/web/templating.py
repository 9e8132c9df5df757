"""Jinja2 templates rendered in the visitor's language, with Steppe's formats as helpers.

Every page gets `_` (translate), `fmt` (the language's number, money and date formats), `lang`,
`languages`, `static` (a URL under /static/ that changes when the file does) and `csrf` (the
token every form carries). Templates are autoescaped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2
from starlette.responses import HTMLResponse

from steppe.web.i18n import LANGUAGE_NAMES, Catalogues, Translator


def static_dir() -> Path:
    return Path(str(files("steppe.web"))) / "static"


class Pages:
    """The template environment and the catalogues, made once per server."""

    def __init__(self, catalogues: Catalogues, *, static_prefix: str = "/static") -> None:
        self.catalogues = catalogues
        self._static_prefix = static_prefix
        self._versions: dict[str, str] = {}
        self.env = jinja2.Environment(
            loader=jinja2.PackageLoader("steppe.web", "templates"),
            autoescape=jinja2.select_autoescape(("html",), default=True),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            enable_async=False,
        )
        self.env.globals["static"] = self.static
        self.env.globals["languages"] = LANGUAGE_NAMES

    def static(self, path: str) -> str:
        """`/static/<path>?v=<hash>`: browsers may keep it until the file changes."""
        version = self._versions.get(path)
        if version is None:
            try:
                content = (static_dir() / path).read_bytes()
                version = hashlib.sha256(content).hexdigest()[:10]
            except OSError:
                version = "missing"
            self._versions[path] = version
        return f"{self._static_prefix}/{path}?v={version}"

    def render_text(self, name: str, translator: Translator, values: Mapping[str, Any]) -> str:
        template = self.env.get_template(name)
        return template.render(
            {
                "_": translator.gettext,
                "ngettext": translator.ngettext,
                "fmt": translator,
                "lang": translator.language,
                **values,
            }
        )

    def render(
        self,
        name: str,
        translator: Translator,
        values: Mapping[str, Any],
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        return HTMLResponse(
            self.render_text(name, translator, values), status_code=status, headers=headers
        )
