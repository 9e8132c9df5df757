"""What the complete OCPP 1.6 and 2.0.1 support keeps.

- transactions: the id a 1.6 station gave a transaction it ran offline (`station_tx_id`, so a
  resent stop is recognised), and the 2.0.1 idToken type;
- meter_values: a sample sent again with another value is a correction (`replaced_value`,
  `revisions`);
- signed_meter_values: signed readings as received;
- issued_certificates: which CA signed (the station CA or the V2G sub-CA) and revocation, for
  the OCSP answers of ISO 15118;
- the state of commands with consequences and of what stations report on request (tables of
  storage/tables/station_state.py): reservations, local authorization lists, firmware and log
  jobs and rollouts, charging profiles and limits, display messages, variable monitors and
  monitoring settings, device events, customer information, vendor data transfers.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from steppe.storage.tables.base import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BIGINT_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.add_column("transactions", sa.Column("station_tx_id", sa.String(36), nullable=True))
    op.add_column("transactions", sa.Column("id_token_type", sa.String(20), nullable=True))
    op.create_index("ix_transactions_station_tx", "transactions", ["station_id", "station_tx_id"])
    op.add_column("meter_values", sa.Column("replaced_value", sa.String(40), nullable=True))
    op.add_column(
        "meter_values",
        sa.Column("revisions", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "signed_meter_values",
        sa.Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("evse_id", sa.Integer, nullable=False),
        sa.Column("transaction_id", sa.BigInteger, nullable=True),
        sa.Column("timestamp", UtcDateTime, nullable=False),
        sa.Column("measurand", sa.String(48), nullable=False, server_default=""),
        sa.Column("context", sa.String(24), nullable=False, server_default=""),
        sa.Column("format", sa.String(50), nullable=False),
        sa.Column("signing_method", sa.String(50), nullable=False, server_default=""),
        sa.Column("public_key", sa.Text, nullable=True),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_signed_meter_values_transaction", "signed_meter_values", ["transaction_id"])
    op.add_column(
        "issued_certificates",
        sa.Column("kind", sa.String(8), nullable=False, server_default="station"),
    )
    op.add_column("issued_certificates", sa.Column("issuer_key_hash", sa.String(64), nullable=True))
    op.add_column("issued_certificates", sa.Column("revoked_at", UtcDateTime, nullable=True))
    op.create_index("ix_issued_certificates_serial", "issued_certificates", ["serial"])
    op.create_table(
        "reservations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("evse_id", sa.Integer, nullable=True),
        sa.Column("id_token", sa.String(36), nullable=False),
        sa.Column("id_token_type", sa.String(20), nullable=True),
        sa.Column("group_id_token", sa.String(36), nullable=True),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("station_status", sa.String(32), nullable=True),
        sa.Column("transaction_pk", sa.BigInteger, nullable=True),
        sa.Column("created_by", sa.String(100), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("ended_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_reservations_station", "reservations", ["station_id", "status"])
    op.create_index("ix_reservations_status_expiry", "reservations", ["status", "expires_at"])
    op.create_table(
        "local_lists",
        sa.Column("station_id", sa.String(48), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("station_version", sa.Integer, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("synced_at", UtcDateTime, nullable=True),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "local_list_entries",
        sa.Column("station_id", sa.String(48), primary_key=True),
        sa.Column("id_token", sa.String(36), primary_key=True),
        sa.Column("id_token_type", sa.String(20), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=True),
        sa.Column("parent_id_token", sa.String(36), nullable=True),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "station_jobs",
        sa.Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("request_id", sa.Integer, nullable=True),
        sa.Column("rollout_id", sa.String(32), nullable=True),
        sa.Column("wave", sa.Integer, nullable=True),
        sa.Column("location", sa.Text, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("station_status", sa.String(32), nullable=True),
        sa.Column("detail", sa.Text, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("sent_at", UtcDateTime, nullable=True),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("finished_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_station_jobs_rollout", "station_jobs", ["rollout_id", "wave"])
    op.create_index("ix_station_jobs_station", "station_jobs", ["station_id", "kind", "id"])
    op.create_table(
        "firmware_rollouts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("retrieve_at", UtcDateTime, nullable=True),
        sa.Column("signing_certificate", sa.Text, nullable=True),
        sa.Column("signature", sa.Text, nullable=True),
        sa.Column("wave_size", sa.Integer, nullable=False),
        sa.Column("max_failures", sa.Integer, nullable=False),
        sa.Column("wave_timeout", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("wave", sa.Integer, nullable=False, server_default="0"),
        sa.Column("wave_started_at", UtcDateTime, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("created_by", sa.String(100), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("finished_at", UtcDateTime, nullable=True),
    )
    op.create_table(
        "charging_profiles",
        sa.Column("station_id", sa.String(48), primary_key=True),
        sa.Column("evse_id", sa.Integer, primary_key=True),
        sa.Column("profile_id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=True),
        sa.Column("stack_level", sa.Integer, nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "charging_reports",
        sa.Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("evse_id", sa.Integer, nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_charging_reports_station", "charging_reports", ["station_id", "kind", "id"])
    op.create_table(
        "display_messages",
        sa.Column("station_id", sa.String(48), primary_key=True),
        sa.Column("message_id", sa.Integer, primary_key=True),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=True),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("starts_at", UtcDateTime, nullable=True),
        sa.Column("ends_at", UtcDateTime, nullable=True),
        sa.Column("transaction_id", sa.String(36), nullable=True),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "variable_monitors",
        sa.Column("station_id", sa.String(48), primary_key=True),
        sa.Column("monitor_id", sa.Integer, primary_key=True),
        sa.Column("component", sa.String(50), nullable=False),
        sa.Column("component_instance", sa.String(50), nullable=False, server_default=""),
        sa.Column("evse_id", sa.Integer, nullable=False, server_default="0"),
        sa.Column("connector_id", sa.Integer, nullable=False, server_default="0"),
        sa.Column("variable", sa.String(50), nullable=False),
        sa.Column("variable_instance", sa.String(50), nullable=False, server_default=""),
        sa.Column("type", sa.String(24), nullable=False),
        sa.Column("value", sa.String(32), nullable=False),
        sa.Column("severity", sa.Integer, nullable=False),
        sa.Column("transaction", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "monitoring_settings",
        sa.Column("station_id", sa.String(48), primary_key=True),
        sa.Column("base", sa.String(24), nullable=True),
        sa.Column("level", sa.Integer, nullable=True),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "station_events",
        sa.Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("cause", sa.Integer, nullable=True),
        sa.Column("actual_value", sa.String(2500), nullable=False),
        sa.Column("tech_code", sa.String(50), nullable=True),
        sa.Column("tech_info", sa.String(500), nullable=True),
        sa.Column("cleared", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("transaction_id", sa.String(36), nullable=True),
        sa.Column("monitor_id", sa.Integer, nullable=True),
        sa.Column("notification_type", sa.String(32), nullable=False),
        sa.Column("component", sa.String(50), nullable=False),
        sa.Column("evse_id", sa.Integer, nullable=True),
        sa.Column("variable", sa.String(50), nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_station_events_station", "station_events", ["station_id", "id"])
    op.create_table(
        "customer_information",
        sa.Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("request_id", sa.Integer, nullable=False),
        sa.Column("seq_no", sa.Integer, nullable=False),
        sa.Column("tbc", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("generated_at", UtcDateTime, nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
    )
    op.create_index(
        "ix_customer_information_request",
        "customer_information",
        ["station_id", "request_id", "seq_no"],
    )
    op.create_table(
        "data_transfers",
        sa.Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("vendor_id", sa.String(255), nullable=False),
        sa.Column("message_id", sa.String(50), nullable=True),
        sa.Column("data", sa.Text, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_data_transfers_station", "data_transfers", ["station_id", "id"])


def downgrade() -> None:
    op.drop_table("data_transfers")
    op.drop_index("ix_data_transfers_station", table_name="data_transfers")
    op.drop_table("customer_information")
    op.drop_index("ix_customer_information_request", table_name="customer_information")
    op.drop_table("station_events")
    op.drop_index("ix_station_events_station", table_name="station_events")
    op.drop_table("monitoring_settings")
    op.drop_table("variable_monitors")
    op.drop_table("display_messages")
    op.drop_table("charging_reports")
    op.drop_index("ix_charging_reports_station", table_name="charging_reports")
    op.drop_table("charging_profiles")
    op.drop_table("firmware_rollouts")
    op.drop_table("station_jobs")
    op.drop_index("ix_station_jobs_station", table_name="station_jobs")
    op.drop_index("ix_station_jobs_rollout", table_name="station_jobs")
    op.drop_table("local_list_entries")
    op.drop_table("local_lists")
    op.drop_table("reservations")
    op.drop_index("ix_reservations_status_expiry", table_name="reservations")
    op.drop_index("ix_reservations_station", table_name="reservations")
    op.drop_index("ix_issued_certificates_serial", table_name="issued_certificates")
    with op.batch_alter_table("issued_certificates") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("issuer_key_hash")
        batch.drop_column("kind")
    op.drop_index("ix_signed_meter_values_transaction", table_name="signed_meter_values")
    op.drop_table("signed_meter_values")
    with op.batch_alter_table("meter_values") as batch:
        batch.drop_column("revisions")
        batch.drop_column("replaced_value")
    op.drop_index("ix_transactions_station_tx", table_name="transactions")
    with op.batch_alter_table("transactions") as batch:
        batch.drop_column("id_token_type")
        batch.drop_column("station_tx_id")
