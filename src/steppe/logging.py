"""Logging policy: stdlib logging, named loggers, one line per event, the station id on each line.

Loggers: `steppe.gateway` (connect, disconnect, refusals), `steppe.ocpp.frames` (frames, DEBUG),
`steppe.storage`, `steppe.api`, `steppe.domain`. Secrets never reach a log line: passwords, keys and
tokens are not passed to loggers at all.
"""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s %(levelname)-7s %(name)s %(message)s"


def configure(level: str, *, frames: bool = False) -> None:
    """Send Steppe's logs to stderr at `level`; frames at DEBUG only when asked."""
    root = logging.getLogger("steppe")
    root.setLevel(level)
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    logging.getLogger("steppe.ocpp.frames").setLevel(logging.DEBUG if frames else logging.WARNING)
    for noisy in ("websockets", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
