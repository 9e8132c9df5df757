"""OCPP 2.1: the station's own cost beside the CDR, settlements at the station, notices and
periodic event streams.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from steppe.storage.tables.base import UtcDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BIGINT_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "charger_costs",
        sa.Column("transaction_pk", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("transaction_id", sa.String(36), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("excl_tax", sa.String(40), nullable=True),
        sa.Column("incl_tax", sa.String(40), nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("reported_at", UtcDateTime, nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("cdr_id", sa.String(36), nullable=True),
        sa.Column("difference", sa.String(40), nullable=True),
    )
    op.create_index("ix_charger_costs_verdict", "charger_costs", ["verdict", "transaction_pk"])
    op.create_table(
        "settlements",
        sa.Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("transaction_id", sa.String(36), nullable=True),
        sa.Column("transaction_pk", sa.BigInteger, nullable=True),
        sa.Column("psp_ref", sa.String(255), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("amount", sa.String(40), nullable=False),
        sa.Column("settled_at", UtcDateTime, nullable=False),
        sa.Column("receipt_id", sa.String(50), nullable=True),
        sa.Column("receipt_url", sa.String(2000), nullable=True),
        sa.Column("vat_number", sa.String(20), nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_settlements_transaction", "settlements", ["transaction_pk"])
    op.create_index("ix_settlements_station", "settlements", ["station_id", "id"])
    op.create_table(
        "station_notices",
        sa.Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("ref", sa.String(64), nullable=True),
        sa.Column("evse_id", sa.Integer, nullable=True),
        sa.Column("transaction_id", sa.String(36), nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_station_notices_station", "station_notices", ["station_id", "kind", "id"])
    op.create_table(
        "event_streams",
        sa.Column("station_id", sa.String(48), primary_key=True),
        sa.Column("stream_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("variable_monitoring_id", sa.Integer, nullable=False),
        sa.Column("interval_s", sa.Integer, nullable=True),
        sa.Column("max_values", sa.Integer, nullable=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("opened_at", UtcDateTime, nullable=False),
        sa.Column("closed_at", UtcDateTime, nullable=True),
        sa.Column("data_points", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("last_data_at", UtcDateTime, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("event_streams")
    op.drop_index("ix_station_notices_station", table_name="station_notices")
    op.drop_table("station_notices")
    op.drop_index("ix_settlements_station", table_name="settlements")
    op.drop_index("ix_settlements_transaction", table_name="settlements")
    op.drop_table("settlements")
    op.drop_index("ix_charger_costs_verdict", table_name="charger_costs")
    op.drop_table("charger_costs")
