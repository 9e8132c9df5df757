"""How a cluster names things on NATS: nodes, station keys in the presence bucket, subjects."""

from __future__ import annotations

import base64
import os
import re
import socket

PRESENCE_BUCKET = "steppe_presence"
STATION_PREFIX = "s."
NODE_PREFIX = "n."
CALL_SUBJECT = "steppe.call"  # + "." + node: commands for the stations a node holds
EVENT_SUBJECT = "steppe.events"  # + "." + node: what happened on a node
NEWS_SUBJECT = "steppe.news"  # data that changed: caches to drop on every node
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def default_node_id() -> str:
    """The host name and process id: unique on a machine, readable in logs."""
    return f"{socket.gethostname()}-{os.getpid()}"


def node_token(node_id: str) -> str:
    """A node id as one NATS subject token and key part (letters, digits, `-`, `_`)."""
    return _UNSAFE.sub("_", node_id) or "node"


def station_key(station_id: str) -> str:
    """The presence key of a station. Station ids may hold any printable character, KV keys
    only a few, so the id is carried in URL-safe base64 (which KV keys accept)."""
    encoded = base64.urlsafe_b64encode(station_id.encode()).decode().rstrip("=")
    return STATION_PREFIX + (encoded or "_")


def station_of(key: str) -> str:
    """The station id a presence key stands for."""
    encoded = key[len(STATION_PREFIX) :]
    if encoded == "_":
        return ""
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
