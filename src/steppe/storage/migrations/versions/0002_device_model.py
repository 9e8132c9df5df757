"""Device model variables and the TransactionEvent log (OCPP 2.0.1).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from steppe.storage.tables.base import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BIGINT_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "device_variables",
        sa.Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("component", sa.String(50), nullable=False),
        sa.Column("component_instance", sa.String(50), nullable=False, server_default=""),
        sa.Column("evse_id", sa.Integer, nullable=False, server_default="0"),
        sa.Column("connector_id", sa.Integer, nullable=False, server_default="0"),
        sa.Column("variable", sa.String(50), nullable=False),
        sa.Column("variable_instance", sa.String(50), nullable=False, server_default=""),
        sa.Column("attribute_type", sa.String(8), nullable=False, server_default="Actual"),
        sa.Column("value", sa.Text, nullable=True),
        sa.Column("mutability", sa.String(16), nullable=True),
        sa.Column("data_type", sa.String(16), nullable=True),
        sa.Column("unit", sa.String(16), nullable=True),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint(
            "station_id",
            "component",
            "component_instance",
            "evse_id",
            "connector_id",
            "variable",
            "variable_instance",
            "attribute_type",
            name="uq_device_variables_key",
        ),
    )
    op.create_table(
        "transaction_events",
        sa.Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("transaction_ocpp_id", sa.String(36), nullable=False),
        sa.Column("seq_no", sa.Integer, nullable=False),
        sa.Column("event_type", sa.String(8), nullable=False),
        sa.Column("trigger_reason", sa.String(32), nullable=False),
        sa.Column("timestamp", UtcDateTime, nullable=False),
        sa.Column("offline", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint(
            "station_id", "transaction_ocpp_id", "seq_no", name="uq_transaction_events_seq"
        ),
    )
    op.create_index(
        "ix_transaction_events_tx", "transaction_events", ["station_id", "transaction_ocpp_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_transaction_events_tx", table_name="transaction_events")
    op.drop_table("transaction_events")
    op.drop_table("device_variables")
