"""Stations, connectors, id tokens, transactions and meter values.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from steppe.storage.tables.base import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BIGINT_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "stations",
        sa.Column("id", sa.String(48), primary_key=True),
        sa.Column("password_hash", sa.Text, nullable=True),
        sa.Column("security_profile", sa.Integer, nullable=False, server_default="1"),
        sa.Column("registration", sa.String(16), nullable=False, server_default="accepted"),
        *(
            sa.Column(name, sa.String(size), nullable=True)
            for name, size in (
                ("ocpp_version", 8),
                ("vendor", 50),
                ("model", 50),
                ("serial_number", 50),
                ("firmware_version", 50),
                ("iccid", 20),
                ("imsi", 20),
                ("status", 24),
                ("error_code", 50),
                ("name", 255),
                ("latitude", 16),
                ("longitude", 16),
                ("address", 255),
                ("city", 64),
                ("country", 2),
                ("time_zone", 64),
            )
        ),
        sa.Column("last_boot_at", UtcDateTime, nullable=True),
        sa.Column("last_seen_at", UtcDateTime, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "connectors",
        sa.Column("station_id", sa.String(48), primary_key=True),
        sa.Column("evse_id", sa.Integer, primary_key=True),
        sa.Column("connector_id", sa.Integer, primary_key=True),
        *(
            sa.Column(name, sa.String(size), nullable=True)
            for name, size in (
                ("status", 24),
                ("error_code", 50),
                ("info", 50),
                ("vendor_error_code", 50),
            )
        ),
        sa.Column("status_at", UtcDateTime, nullable=True),
        *(
            sa.Column(name, sa.String(size), nullable=True)
            for name, size in (
                ("standard", 24),
                ("format", 8),
                ("power_type", 8),
                ("max_power_kw", 16),
            )
        ),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            ondelete="CASCADE",
            name="fk_connectors_station_id_stations",
        ),
    )
    op.create_table(
        "id_tokens",
        sa.Column("id_token", sa.String(36), primary_key=True),
        sa.Column("type", sa.String(20), nullable=False, server_default="Central"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=True),
        sa.Column("parent_id_token", sa.String(36), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "transactions",
        sa.Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
        sa.Column("ocpp_id", sa.String(36), nullable=True),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("evse_id", sa.Integer, nullable=False),
        sa.Column("connector_id", sa.Integer, nullable=False),
        sa.Column("id_token", sa.String(36), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", UtcDateTime, nullable=True),
        sa.Column("stopped_at", UtcDateTime, nullable=True),
        sa.Column("meter_start_wh", sa.BigInteger, nullable=True),
        sa.Column("meter_stop_wh", sa.BigInteger, nullable=True),
        sa.Column("meter_last_wh", sa.BigInteger, nullable=True),
        sa.Column("energy_wh", sa.BigInteger, nullable=True),
        sa.Column("stop_reason", sa.String(32), nullable=True),
        sa.Column("stop_id_token", sa.String(36), nullable=True),
        sa.Column("charging_state", sa.String(24), nullable=True),
        sa.Column("last_seq_no", sa.Integer, nullable=True),
        sa.Column("offline", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("reservation_id", sa.Integer, nullable=True),
        sa.Column("remote_start_id", sa.Integer, nullable=True),
        sa.Column("closed_by", sa.String(16), nullable=True),
        sa.Column("energy_check", sa.String(64), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("station_id", "ocpp_id", name="uq_transactions_station_ocpp_id"),
    )
    op.create_index("ix_transactions_station_started", "transactions", ["station_id", "started_at"])
    op.create_index("ix_transactions_status", "transactions", ["status"])
    op.create_index("ix_transactions_id_token", "transactions", ["id_token"])
    op.create_table(
        "meter_values",
        sa.Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("evse_id", sa.Integer, nullable=False),
        sa.Column("transaction_id", sa.BigInteger, nullable=True),
        sa.Column("timestamp", UtcDateTime, nullable=False),
        sa.Column("measurand", sa.String(48), nullable=False),
        sa.Column("phase", sa.String(8), nullable=False, server_default=""),
        sa.Column("location", sa.String(8), nullable=False, server_default=""),
        sa.Column("context", sa.String(24), nullable=False, server_default=""),
        sa.Column("unit", sa.String(12), nullable=False, server_default=""),
        sa.Column("value", sa.String(40), nullable=False),
        sa.UniqueConstraint(
            "station_id",
            "evse_id",
            "timestamp",
            "measurand",
            "phase",
            "location",
            "context",
            name="uq_meter_values_sample",
        ),
    )
    op.create_index("ix_meter_values_transaction", "meter_values", ["transaction_id"])


def downgrade() -> None:
    for table in ("meter_values", "transactions", "id_tokens", "connectors", "stations"):
        op.drop_table(table)
