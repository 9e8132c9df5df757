"""Tariffs, assignments and charge detail records.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from steppe.storage.tables.base import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BIGINT_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "tariffs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("valid_from", UtcDateTime, nullable=True),
        sa.Column("valid_to", UtcDateTime, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "tariff_assignments",
        sa.Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("evse_id", sa.Integer, nullable=True),
        sa.Column("tariff_id", sa.String(36), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index(
        "ix_tariff_assignments_station", "tariff_assignments", ["station_id", "evse_id"]
    )
    op.create_index("ix_tariff_assignments_tariff", "tariff_assignments", ["tariff_id"])
    op.create_table(
        "cdrs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("transaction_pk", sa.BigInteger, nullable=False),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("tariff_id", sa.String(36), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("started_at", UtcDateTime, nullable=False),
        sa.Column("stopped_at", UtcDateTime, nullable=False),
        sa.Column("total_excl_vat", sa.String(40), nullable=False),
        sa.Column("total_incl_vat", sa.String(40), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("transaction_pk", name="uq_cdrs_transaction_pk"),
    )
    op.create_index("ix_cdrs_station_stopped", "cdrs", ["station_id", "stopped_at"])


def downgrade() -> None:
    op.drop_index("ix_cdrs_station_stopped", table_name="cdrs")
    op.drop_table("cdrs")
    op.drop_index("ix_tariff_assignments_tariff", table_name="tariff_assignments")
    op.drop_index("ix_tariff_assignments_station", table_name="tariff_assignments")
    op.drop_table("tariff_assignments")
    op.drop_table("tariffs")
