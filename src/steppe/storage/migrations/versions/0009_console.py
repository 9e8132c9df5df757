"""The operator console: staff accounts, their sessions, what a person changed, and the indexes
the console's pages read by.

People sign in to the console with an email and a password (a scrypt hash is kept); each
signed-in browser holds a session known here only by its token's hash. The audit log, until now
the log of commands, also records every change a person makes in the console, naming what was
changed in `target`. The dashboard adds up energy and revenue per day, which needs the
transactions and CDRs in the order they ended, and a station's page lists its newest
transactions, which needs them by station and id.

Revision ID: 0009
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from steppe.storage.tables.base import UtcDateTime

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default="1"),
        sa.Column("failed_sign_ins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", UtcDateTime, nullable=True),
        sa.Column("last_sign_in_at", UtcDateTime, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("last_seen_at", UtcDateTime, nullable=False),
        sa.Column("address", sa.String(64), nullable=True),
        sa.Column("user_agent", sa.String(200), nullable=True),
    )
    op.create_index("ix_user_sessions_user", "user_sessions", ["user_id"])
    op.add_column("audit_log", sa.Column("target", sa.String(100), nullable=True))
    op.create_index("ix_transactions_stopped", "transactions", ["stopped_at", "energy_wh"])
    op.create_index("ix_cdrs_stopped", "cdrs", ["stopped_at"])
    op.create_index("ix_transactions_station_id", "transactions", ["station_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_transactions_station_id", table_name="transactions")
    op.drop_index("ix_cdrs_stopped", table_name="cdrs")
    op.drop_index("ix_transactions_stopped", table_name="transactions")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("target")
    op.drop_index("ix_user_sessions_user", table_name="user_sessions")
    op.drop_table("user_sessions")
    op.drop_table("users")
