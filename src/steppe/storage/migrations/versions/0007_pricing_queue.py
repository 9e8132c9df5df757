"""Transactions waiting for their CDR, written in the same commit as the transaction's end.

Pricing used to run before the stop was answered and, after a crash between the two commits, a
finished transaction had no CDR until an operator asked for one. The queue lets the stop be
answered as soon as it is stored and lets a restarted server price what was left. Each row keeps
its failed attempts and when it is next due, so a transaction that fails to price waits longer
each time without holding the others back (ADR 0012).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from steppe.storage.tables.base import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pricing_queue",
        sa.Column("transaction_pk", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("queued_at", UtcDateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("due_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_pricing_queue_due", "pricing_queue", ["due_at"])


def downgrade() -> None:
    op.drop_index("ix_pricing_queue_due", table_name="pricing_queue")
    op.drop_table("pricing_queue")
