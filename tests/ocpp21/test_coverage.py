"""Every OCPP 2.1 action is answered by a handler or sent by a command, as docs/ocpp.md says."""

from __future__ import annotations

import re
from pathlib import Path

from steppe.ocpp.v21.handlers import V21Handlers
from steppe.ocpp.validation import SchemaRegistry
from steppe.ocpp.versions import OcppVersion

DOCS = Path(__file__).parents[2] / "docs" / "ocpp.md"
SRC = Path(__file__).parents[2] / "src" / "steppe"
ROW = re.compile(r"^\| (\w+) \| (in|out|in \(SEND\)) \| ([^|]*) \|")


def documented() -> dict[str, tuple[str, str]]:
    """Action -> (direction, what Steppe does) from the 2.0.1/2.1 and 2.1-only tables."""
    text = DOCS.read_text(encoding="utf-8")
    start = text.index("### OCPP 2.0.1 and 2.1")
    rows: dict[str, tuple[str, str]] = {}
    for line in text[start:].splitlines():
        found = ROW.match(line)
        if found:
            rows.setdefault(found.group(1), (found.group(2), found.group(3)))
    return rows


def test_every_21_action_has_a_handler_or_a_command() -> None:
    """Incoming actions are routed by the 2.1 handlers; each outgoing one is written by Steppe's
    code (a command codec, or the flows that send it themselves: certificates, local lists)."""
    handlers = V21Handlers(None, None)  # type: ignore[arg-type]  # routes only, nothing runs
    rows = documented()
    source = "".join(p.read_text(encoding="utf-8") for p in SRC.rglob("*.py"))
    for action in sorted(SchemaRegistry().actions(OcppVersion.V21)):
        assert action in rows, f"{action} is missing from docs/ocpp.md"
        if rows[action][0].startswith("in"):
            assert handlers.route(action) is not None, f"no handler for {action}"
        else:
            assert f'"{action}"' in source, f"nothing in Steppe sends {action}"
