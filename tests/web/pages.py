"""Checks of a rendered page a person relies on: a heading, and a label for every control."""

from __future__ import annotations

from html.parser import HTMLParser


class PageCheck(HTMLParser):
    """Collects headings, controls and labels of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.h1: list[str] = []
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self._in_h1 = False
        self._label_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "h1":
            self._in_h1 = True
            self.h1.append("")
        elif tag == "label":
            self._label_depth += 1
            if found.get("for"):
                self.label_for.add(str(found["for"]))
        elif tag in ("input", "select", "textarea"):
            if found.get("type") in ("hidden", "submit", "button"):
                return
            self.controls.append({**found, "_wrapped": "yes" if self._label_depth else None})

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False
        elif tag == "label":
            self._label_depth = max(self._label_depth - 1, 0)

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1[-1] += data

    def unlabelled(self) -> list[str]:
        """Controls with neither a <label for>, a wrapping <label> nor an aria-label."""
        return [
            str(c.get("name") or c.get("id"))
            for c in self.controls
            if not c.get("_wrapped")
            and not c.get("aria-label")
            and str(c.get("id")) not in self.label_for
        ]


def check_page(html: str) -> PageCheck:
    page = PageCheck()
    page.feed(html)
    assert len(page.h1) == 1 and page.h1[0].strip(), "a page has one visible heading"
    assert not page.unlabelled(), f"controls without a label: {page.unlabelled()}"
    return page
