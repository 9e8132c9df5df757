"""Certificates and security events.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from steppe.storage.tables.base import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BIGINT_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "issued_certificates",
        sa.Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("serial", sa.String(64), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("not_before", UtcDateTime, nullable=False),
        sa.Column("not_after", UtcDateTime, nullable=False),
        sa.Column("certificate_pem", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_issued_certificates_station", "issued_certificates", ["station_id", "id"])
    op.create_table(
        "security_events",
        sa.Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("type", sa.String(50), nullable=False),
        sa.Column("tech_info", sa.Text, nullable=True),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.Column("ocpp_version", sa.String(8), nullable=False),
    )
    op.create_index("ix_security_events_station", "security_events", ["station_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_security_events_station", table_name="security_events")
    op.drop_table("security_events")
    op.drop_index("ix_issued_certificates_station", table_name="issued_certificates")
    op.drop_table("issued_certificates")
