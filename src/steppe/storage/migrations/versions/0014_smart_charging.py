"""Smart charging: the acceptance of each charging profile Steppe sets (and the transaction a
TxProfile belongs to), and the sites whose load Steppe manages with the stations on each.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from steppe.storage.tables.base import UtcDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("charging_profiles") as batch:
        batch.add_column(
            sa.Column("status", sa.String(16), nullable=False, server_default="Accepted")
        )
        batch.add_column(sa.Column("transaction_id", sa.String(36), nullable=True))
    op.create_table(
        "sites",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "site_stations",
        sa.Column("station_id", sa.String(48), primary_key=True),
        sa.Column("site_id", sa.String(64), nullable=False),
    )
    op.create_index("ix_site_stations_site_id", "site_stations", ["site_id"])


def downgrade() -> None:
    op.drop_index("ix_site_stations_site_id", table_name="site_stations")
    op.drop_table("site_stations")
    op.drop_table("sites")
    with op.batch_alter_table("charging_profiles") as batch:
        batch.drop_column("transaction_id")
        batch.drop_column("status")
