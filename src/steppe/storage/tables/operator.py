"""What the operator API keeps: API keys, the command audit log, webhooks and their deliveries."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from steppe.storage.tables.base import UtcDateTime, metadata

BIGINT_ID = BigInteger().with_variant(Integer, "sqlite")

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("role", String(16), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_by", String(100), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime, nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("command", String(40), nullable=False),
    Column("station_id", String(48), nullable=False),
    Column("ocpp_version", String(8), nullable=True),
    Column("params", Text, nullable=False),
    Column("outcome", String(24), nullable=False),
    Column("status", String(40), nullable=True),
    Column("error", Text, nullable=True),
    Column("finished_at", UtcDateTime, nullable=True),
    # What a person changed in the console ("tariff T-1", "user 3f2a..."); commands leave it empty.
    Column("target", String(100), nullable=True),
    Index("ix_audit_log_station", "station_id", "id"),
    Index("ix_audit_log_at", "at"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("url", Text, nullable=False),
    Column("secret", Text, nullable=False),
    Column("types", Text, nullable=True),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_by", String(100), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(32), primary_key=True),
    Column(
        "webhook_id",
        String(32),
        ForeignKey("webhooks.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("event_type", String(40), nullable=False),
    Column("event_id", BigInteger, nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime, nullable=True),
    Index("ix_webhook_deliveries_webhook", "webhook_id", "created_at"),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
)
