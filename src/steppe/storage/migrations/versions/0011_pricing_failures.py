"""A queued transaction keeps why its pricing last failed, and when pricing gave up on it.

A session on a tariff that cannot price it (a figure out of range, more work than the pricing
time budget) used to stay queued and be tried every hour for ever, its failure only in the log.
Now such a transaction leaves the rotation with `failed_at` and `last_error` set, and the API
shows both on the transaction; `POST /api/v1/cdrs` tries it again on request.

Revision ID: 0011
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from steppe.storage.tables.base import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pricing_queue") as batch:
        batch.add_column(sa.Column("last_error", sa.Text, nullable=True))
        batch.add_column(sa.Column("failed_at", UtcDateTime, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pricing_queue") as batch:
        batch.drop_column("failed_at")
        batch.drop_column("last_error")
