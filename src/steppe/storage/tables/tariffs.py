"""Tariffs, their assignment to stations and EVSEs, and charge detail records."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from steppe.storage.tables.base import UtcDateTime, metadata

tariffs = Table(
    "tariffs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("body", Text, nullable=False),
    Column("valid_from", UtcDateTime, nullable=True),
    Column("valid_to", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

tariff_assignments = Table(
    "tariff_assignments",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("station_id", String(48), nullable=False),
    Column("evse_id", Integer, nullable=True),
    Column("tariff_id", String(36), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_tariff_assignments_station", "station_id", "evse_id"),
    Index("ix_tariff_assignments_tariff", "tariff_id"),
)

cdrs = Table(
    "cdrs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("transaction_pk", BigInteger, nullable=False, unique=True),
    Column("station_id", String(48), nullable=False),
    Column("tariff_id", String(36), nullable=True),
    Column("currency", String(3), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("stopped_at", UtcDateTime, nullable=False),
    Column("total_excl_vat", String(40), nullable=False),
    Column("total_incl_vat", String(40), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_cdrs_station_stopped", "station_id", "stopped_at"),
    Index("ix_cdrs_stopped", "stopped_at"),  # the console's daily revenue
)

# Transactions whose end is committed and whose CDR is not made yet: a row is written in the
# same commit as the end and deleted in the same commit as the CDR (or once no tariff applies),
# so a crash between the two leaves the transaction here to be priced after the restart. A failed
# pricing counts an attempt and moves `due_at` later (ADR 0012).
pricing_queue = Table(
    "pricing_queue",
    metadata,
    Column("transaction_pk", BigInteger, primary_key=True, autoincrement=False),
    Column("queued_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("due_at", UtcDateTime, nullable=False),
    Index("ix_pricing_queue_due", "due_at"),
)
