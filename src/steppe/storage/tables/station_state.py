"""What Steppe keeps of the commands with consequences and of what stations report on request:
reservations, local authorization lists, firmware and log jobs and rollouts, charging profiles
and limits, display messages, variable monitors, device events, customer information, vendor
data transfers. JSON bodies are kept as text exactly as sent or received."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from steppe.storage.tables.base import UtcDateTime, metadata

BIGINT_ID = BigInteger().with_variant(Integer, "sqlite")

# A reservation's id is the one sent to the station (ReserveNow), unique across Steppe.
reservations = Table(
    "reservations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("station_id", String(48), nullable=False),
    Column("evse_id", Integer, nullable=True),  # None: any EVSE of the station
    Column("id_token", String(36), nullable=False),
    Column("id_token_type", String(20), nullable=True),
    Column("group_id_token", String(36), nullable=True),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("station_status", String(32), nullable=True),
    Column("transaction_pk", BigInteger, nullable=True),
    Column("created_by", String(100), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime, nullable=True),
    Index("ix_reservations_station", "station_id", "status"),
    Index("ix_reservations_status_expiry", "status", "expires_at"),
)

# One row per station whose local authorization list Steppe manages.
local_lists = Table(
    "local_lists",
    metadata,
    Column("station_id", String(48), primary_key=True),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("station_version", Integer, nullable=True),  # what GetLocalListVersion last said
    Column("status", String(16), nullable=False),
    Column("last_error", Text, nullable=True),
    Column("synced_at", UtcDateTime, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
)

# The entries each station holds, as Steppe last sent them (differential updates are computed
# against these).
local_list_entries = Table(
    "local_list_entries",
    metadata,
    Column("station_id", String(48), primary_key=True),
    Column("id_token", String(36), primary_key=True),
    Column("id_token_type", String(20), nullable=False),
    Column("status", String(16), nullable=False),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("parent_id_token", String(36), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Firmware updates, firmware publications and log uploads asked of one station each.
station_jobs = Table(
    "station_jobs",
    metadata,
    Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("station_id", String(48), nullable=False),
    Column("request_id", Integer, nullable=True),
    Column("rollout_id", String(32), nullable=True),
    Column("wave", Integer, nullable=True),
    Column("location", Text, nullable=True),
    Column("status", String(16), nullable=False),
    Column("station_status", String(32), nullable=True),
    Column("detail", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
    Index("ix_station_jobs_station", "station_id", "kind", "id"),
    Index("ix_station_jobs_rollout", "rollout_id", "wave"),
)

firmware_rollouts = Table(
    "firmware_rollouts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("location", Text, nullable=False),
    Column("retrieve_at", UtcDateTime, nullable=True),
    Column("signing_certificate", Text, nullable=True),
    Column("signature", Text, nullable=True),
    Column("wave_size", Integer, nullable=False),
    Column("max_failures", Integer, nullable=False),
    Column("wave_timeout", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("wave", Integer, nullable=False, server_default="0"),
    Column("wave_started_at", UtcDateTime, nullable=True),
    Column("reason", Text, nullable=True),
    Column("created_by", String(100), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
)

# Charging profiles a station holds: set through Steppe (source "csms") or reported by the
# station (ReportChargingProfiles: source = its chargingLimitSource).
charging_profiles = Table(
    "charging_profiles",
    metadata,
    Column("station_id", String(48), primary_key=True),
    Column("evse_id", Integer, primary_key=True),
    Column("profile_id", Integer, primary_key=True),
    Column("source", String(8), nullable=False),
    Column("purpose", String(32), nullable=True),
    Column("stack_level", Integer, nullable=True),
    Column("body", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # Steppe's own: the station's answer (Accepted, Rejected, NotSupported) or Failed (no
    # answer); a reported profile is Accepted. The transaction a TxProfile belongs to.
    Column("status", String(16), nullable=False, server_default="Accepted"),
    Column("transaction_id", String(36), nullable=True),
)

# What stations tell about limits and EVs: NotifyChargingLimit, ClearedChargingLimit,
# NotifyEVChargingNeeds, NotifyEVChargingSchedule (kind), each as received.
charging_reports = Table(
    "charging_reports",
    metadata,
    Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
    Column("station_id", String(48), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("evse_id", Integer, nullable=True),
    Column("body", Text, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Index("ix_charging_reports_station", "station_id", "kind", "id"),
)

display_messages = Table(
    "display_messages",
    metadata,
    Column("station_id", String(48), primary_key=True),
    Column("message_id", Integer, primary_key=True),
    Column("priority", String(16), nullable=False),
    Column("state", String(16), nullable=True),
    Column("format", String(8), nullable=False),
    Column("language", String(8), nullable=True),
    Column("content", Text, nullable=False),
    Column("starts_at", UtcDateTime, nullable=True),
    Column("ends_at", UtcDateTime, nullable=True),
    Column("transaction_id", String(36), nullable=True),
    Column("source", String(8), nullable=False),  # csms: set by Steppe; station: reported
    Column("updated_at", UtcDateTime, nullable=False),
)

variable_monitors = Table(
    "variable_monitors",
    metadata,
    Column("station_id", String(48), primary_key=True),
    Column("monitor_id", Integer, primary_key=True),
    Column("component", String(50), nullable=False),
    Column("component_instance", String(50), nullable=False, server_default=""),
    Column("evse_id", Integer, nullable=False, server_default="0"),
    Column("connector_id", Integer, nullable=False, server_default="0"),
    Column("variable", String(50), nullable=False),
    Column("variable_instance", String(50), nullable=False, server_default=""),
    Column("type", String(24), nullable=False),
    Column("value", String(32), nullable=False),
    Column("severity", Integer, nullable=False),
    Column("transaction", Boolean, nullable=False, server_default="0"),
    Column("updated_at", UtcDateTime, nullable=False),
)

# SetMonitoringBase and SetMonitoringLevel as the station accepted them.
monitoring_settings = Table(
    "monitoring_settings",
    metadata,
    Column("station_id", String(48), primary_key=True),
    Column("base", String(24), nullable=True),
    Column("level", Integer, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
)

# NotifyEvent: each event a station reports (a monitor tripped, a hard-wired notification).
station_events = Table(
    "station_events",
    metadata,
    Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
    Column("station_id", String(48), nullable=False),
    Column("event_id", Integer, nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("trigger", String(16), nullable=False),
    Column("cause", Integer, nullable=True),
    Column("actual_value", String(2500), nullable=False),
    Column("tech_code", String(50), nullable=True),
    Column("tech_info", String(500), nullable=True),
    Column("cleared", Boolean, nullable=False, server_default="0"),
    Column("transaction_id", String(36), nullable=True),
    Column("monitor_id", Integer, nullable=True),
    Column("notification_type", String(32), nullable=False),
    Column("component", String(50), nullable=False),
    Column("evse_id", Integer, nullable=True),
    Column("variable", String(50), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Index("ix_station_events_station", "station_id", "id"),
)

# NotifyCustomerInformation parts, as received (a report may come in several).
customer_information = Table(
    "customer_information",
    metadata,
    Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
    Column("station_id", String(48), nullable=False),
    Column("request_id", Integer, nullable=False),
    Column("seq_no", Integer, nullable=False),
    Column("tbc", Boolean, nullable=False, server_default="0"),
    Column("data", Text, nullable=False),
    Column("generated_at", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Index("ix_customer_information_request", "station_id", "request_id", "seq_no"),
)

# DataTransfer messages from stations for a vendor Steppe knows.
data_transfers = Table(
    "data_transfers",
    metadata,
    Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
    Column("station_id", String(48), nullable=False),
    Column("vendor_id", String(255), nullable=False),
    Column("message_id", String(50), nullable=True),
    Column("data", Text, nullable=True),
    Column("status", String(16), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Index("ix_data_transfers_station", "station_id", "id"),
)
