"""Driver accounts: people who charge, apart from the staff who run the network.

A driver signs up with an email and a password (a scrypt hash is kept), confirms the address by
a mailed link, and charges with the account's app token or its RFID cards (`driver_tokens`,
each also an id token chargers are answered by). The account keeps its cars, the starts it
asked for from the phone, the mail queued for it (an outbox written in the same commit as what
it tells) and which CDRs' receipts were mailed.

Revision ID: 0012
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from steppe.storage.tables.base import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _account() -> sa.Column[str]:
    return sa.Column(
        "account_id",
        sa.String(32),
        sa.ForeignKey("driver_accounts.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "driver_accounts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("failed_sign_ins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", UtcDateTime, nullable=True),
        sa.Column("confirm_hash", sa.String(64), nullable=True),
        sa.Column("confirm_expires_at", UtcDateTime, nullable=True),
        sa.Column("reset_hash", sa.String(64), nullable=True),
        sa.Column("reset_expires_at", UtcDateTime, nullable=True),
        sa.Column("confirmed_at", UtcDateTime, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "driver_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        _account(),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("last_seen_at", UtcDateTime, nullable=False),
        sa.Column("user_agent", sa.String(200), nullable=True),
    )
    op.create_index("ix_driver_sessions_account", "driver_sessions", ["account_id"])
    op.create_table(
        "driver_tokens",
        sa.Column("id_token", sa.String(36), primary_key=True),
        _account(),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("label", sa.String(60), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_driver_tokens_account", "driver_tokens", ["account_id"])
    op.create_table(
        "driver_vehicles",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _account(),
        sa.Column("vehicle_id", sa.String(80), nullable=False),
        sa.Column("label", sa.String(60), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_driver_vehicles_account", "driver_vehicles", ["account_id"])
    op.create_table(
        "driver_starts",
        sa.Column("id", sa.String(32), primary_key=True),
        _account(),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("evse_id", sa.Integer, nullable=False),
        sa.Column("id_token", sa.String(36), nullable=False),
        sa.Column("vehicle_id", sa.String(80), nullable=True),
        sa.Column("after_pk", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message", sa.String(300), nullable=True),
        sa.Column("requested_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_driver_starts_account", "driver_starts", ["account_id"])
    op.create_table(
        "driver_mail",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "account_id",
            sa.String(32),
            sa.ForeignKey("driver_accounts.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("to_address", sa.String(254), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("html", sa.Text, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("due_at", UtcDateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sent_at", UtcDateTime, nullable=True),
        sa.Column("error", sa.String(300), nullable=True),
    )
    op.create_index("ix_driver_mail_due", "driver_mail", ["sent_at", "due_at"])
    op.create_table(
        "driver_receipts",
        sa.Column("cdr_id", sa.String(64), primary_key=True),
        _account(),
        sa.Column("transaction_pk", sa.BigInteger, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("driver_receipts")
    op.drop_index("ix_driver_mail_due", table_name="driver_mail")
    op.drop_table("driver_mail")
    op.drop_index("ix_driver_starts_account", table_name="driver_starts")
    op.drop_table("driver_starts")
    op.drop_index("ix_driver_vehicles_account", table_name="driver_vehicles")
    op.drop_table("driver_vehicles")
    op.drop_index("ix_driver_tokens_account", table_name="driver_tokens")
    op.drop_table("driver_tokens")
    op.drop_index("ix_driver_sessions_account", table_name="driver_sessions")
    op.drop_table("driver_sessions")
    op.drop_table("driver_accounts")
