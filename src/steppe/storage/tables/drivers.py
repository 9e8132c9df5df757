"""Drivers' accounts (not staff accounts): sign-in sessions, the id tokens they charge with,
their cars, the starts they asked for, the mail queued for them and the receipts mailed."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from steppe.storage.tables.base import UtcDateTime, metadata

ACCOUNT = "driver_accounts.id"

driver_accounts = Table(
    "driver_accounts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("language", String(8), nullable=True),
    Column("failed_sign_ins", Integer, nullable=False, server_default="0"),
    Column("locked_until", UtcDateTime, nullable=True),
    # Confirmation and reset links are random tokens mailed once; only their SHA-256 is kept.
    Column("confirm_hash", String(64), nullable=True),
    Column("confirm_expires_at", UtcDateTime, nullable=True),
    Column("reset_hash", String(64), nullable=True),
    Column("reset_expires_at", UtcDateTime, nullable=True),
    Column("confirmed_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

driver_sessions = Table(
    "driver_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("account_id", String(32), ForeignKey(ACCOUNT, ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("user_agent", String(200), nullable=True),
    Index("ix_driver_sessions_account", "account_id"),
)

# The id tokens an account charges with: its app token (made when the address is confirmed)
# and the RFID cards it added. Each is also a row of `id_tokens`, which chargers are answered by.
driver_tokens = Table(
    "driver_tokens",
    metadata,
    Column("id_token", String(36), primary_key=True),
    Column("account_id", String(32), ForeignKey(ACCOUNT, ondelete="CASCADE"), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("label", String(60), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_driver_tokens_account", "account_id"),
)

driver_vehicles = Table(
    "driver_vehicles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", String(32), ForeignKey(ACCOUNT, ondelete="CASCADE"), nullable=False),
    Column("vehicle_id", String(80), nullable=False),
    Column("label", String(60), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_driver_vehicles_account", "account_id"),
)

# A start a driver asked for from the phone; the transaction it made is the first one after
# `after_pk` with the account's token on that EVSE (the charger's clock plays no part).
driver_starts = Table(
    "driver_starts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", String(32), ForeignKey(ACCOUNT, ondelete="CASCADE"), nullable=False),
    Column("station_id", String(48), nullable=False),
    Column("evse_id", Integer, nullable=False),
    Column("id_token", String(36), nullable=False),
    Column("vehicle_id", String(80), nullable=True),
    Column("after_pk", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("message", String(300), nullable=True),
    Column("requested_at", UtcDateTime, nullable=False),
    Index("ix_driver_starts_account", "account_id"),
)

# Mail waiting to be sent, written in the commit of what it tells (an outbox); a sent mail
# keeps its row without its body.
driver_mail = Table(
    "driver_mail",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", String(32), ForeignKey(ACCOUNT, ondelete="CASCADE"), nullable=True),
    Column("to_address", String(254), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("html", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("error", String(300), nullable=True),
    Index("ix_driver_mail_due", "sent_at", "due_at"),
)

# A CDR whose receipt was queued for its driver (the CDR itself is what makes one due).
driver_receipts = Table(
    "driver_receipts",
    metadata,
    Column("cdr_id", String(64), primary_key=True),
    Column("account_id", String(32), ForeignKey(ACCOUNT, ondelete="CASCADE"), nullable=False),
    Column("transaction_pk", BigInteger, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
