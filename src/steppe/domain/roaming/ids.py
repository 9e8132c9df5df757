"""OCPI ids of Steppe's objects: a station is a Location, its EVSEs and connectors keep their
numbers, a transaction is a Session.

OCPI ids are at most 36 characters; a station id that is longer (Steppe allows 48) is published
under a digest of itself.
"""

from __future__ import annotations

import hashlib

MAX_ID = 36


def _short(value: str) -> str:
    if len(value) <= MAX_ID:
        return value
    return "H" + hashlib.sha256(value.encode()).hexdigest()[: MAX_ID - 1]


def location_id(station_id: str) -> str:
    return _short(station_id)


def evse_uid(station_id: str, evse_id: int) -> str:
    """Unique within Steppe, as OCPI asks of an EVSE's uid."""
    return _short(f"{station_id}-{evse_id}")


def evse_number(uid: str) -> int | None:
    """The EVSE number at the end of an uid made by `evse_uid` (None if it has none)."""
    tail = uid.rpartition("-")[2]
    return int(tail) if tail.isdigit() else None


def emi3_evse_id(country_code: str, party_id: str, station_id: str, evse_id: int) -> str:
    """The EVSE's eMI3 id (`KZ*STP*E...`), at most 48 characters and without characters the
    format does not allow."""
    clean = "".join(ch for ch in station_id.upper() if ch.isalnum() or ch == "*")
    return f"{country_code}*{party_id}*E{clean}*{evse_id}"[:48]


def session_id(transaction_pk: int) -> str:
    return str(transaction_pk)


def transaction_pk(session: str) -> int | None:
    return int(session) if session.isdigit() else None
