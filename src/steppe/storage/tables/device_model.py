"""What OCPP 2.0.1 stations report: device model variables and transaction events."""

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
    UniqueConstraint,
)

from steppe.storage.tables.base import UtcDateTime, metadata

BIGINT_ID = BigInteger().with_variant(Integer, "sqlite")

# One row per station, component (name, instance, EVSE, connector), variable (name, instance) and
# attribute type. Absent instances are "" and absent EVSE/connector ids 0, so the unique key holds.
device_variables = Table(
    "device_variables",
    metadata,
    Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
    Column("station_id", String(48), nullable=False),
    Column("component", String(50), nullable=False),
    Column("component_instance", String(50), nullable=False, server_default=""),
    Column("evse_id", Integer, nullable=False, server_default="0"),
    Column("connector_id", Integer, nullable=False, server_default="0"),
    Column("variable", String(50), nullable=False),
    Column("variable_instance", String(50), nullable=False, server_default=""),
    Column("attribute_type", String(8), nullable=False, server_default="Actual"),
    Column("value", Text, nullable=True),
    Column("mutability", String(16), nullable=True),
    Column("data_type", String(16), nullable=True),
    Column("unit", String(16), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint(
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

# Every TransactionEvent applied, once per (station, transaction, seqNo): resends are spotted here.
transaction_events = Table(
    "transaction_events",
    metadata,
    Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
    Column("station_id", String(48), nullable=False),
    Column("transaction_ocpp_id", String(36), nullable=False),
    Column("seq_no", Integer, nullable=False),
    Column("event_type", String(8), nullable=False),
    Column("trigger_reason", String(32), nullable=False),
    Column("timestamp", UtcDateTime, nullable=False),
    Column("offline", Boolean, nullable=False, server_default="0"),
    Column("received_at", UtcDateTime, nullable=False),
    UniqueConstraint(
        "station_id", "transaction_ocpp_id", "seq_no", name="uq_transaction_events_seq"
    ),
    Index("ix_transaction_events_tx", "station_id", "transaction_ocpp_id"),
)
