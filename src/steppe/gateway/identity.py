"""The station identity in the connection URL: `/ocpp/{station_id}`."""

from __future__ import annotations

import re
from urllib.parse import unquote

# OCPP 2.0.1 (part 4, 3.1.1): at most 48 characters from the unreserved URL set, plus ':' and
# '*' which some 1.6 chargers use. Anything else is refused at the handshake.
IDENTITY = re.compile(r"[A-Za-z0-9\-._~:*]{1,48}")
PREFIX = "/ocpp/"


def station_id_from_path(path: str) -> str | None:
    """The station id the path names, or None if the path is not a valid OCPP endpoint."""
    path = path.split("?", 1)[0]
    if not path.startswith(PREFIX):
        return None
    candidate = unquote(path[len(PREFIX) :].rstrip("/"))
    if "/" in candidate or not IDENTITY.fullmatch(candidate):
        return None
    return candidate
