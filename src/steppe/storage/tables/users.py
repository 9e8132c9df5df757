"""Staff accounts of the console and their signed-in sessions."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from steppe.storage.tables.base import UtcDateTime, metadata

users = Table(
    "users",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("name", String(100), nullable=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("language", String(8), nullable=True),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("failed_sign_ins", Integer, nullable=False, server_default="0"),
    Column("locked_until", UtcDateTime, nullable=True),
    Column("last_sign_in_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# A session is known by the SHA-256 of its cookie's random token: the database never holds a
# value that would sign anyone in.
user_sessions = Table(
    "user_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("address", String(64), nullable=True),
    Column("user_agent", String(200), nullable=True),
    Index("ix_user_sessions_user", "user_id"),
)
