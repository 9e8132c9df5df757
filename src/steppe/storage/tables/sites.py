"""Sites under load management: each one's description (limits, circuits, stations, EVSE
wiring) as the JSON the operator put, and its stations for lookups the other way."""

from __future__ import annotations

from sqlalchemy import Column, String, Table, Text

from steppe.storage.tables.base import UtcDateTime, metadata

sites = Table(
    "sites",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# A station belongs to one site at most (the primary key says so).
site_stations = Table(
    "site_stations",
    metadata,
    Column("station_id", String(48), primary_key=True),
    Column("site_id", String(64), nullable=False, index=True),
)
