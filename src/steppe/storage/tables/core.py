"""Stations, connectors, id tokens, transactions and meter values: what the OCPP layer writes."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from steppe.storage.tables.base import UtcDateTime, metadata

stations = Table(
    "stations",
    metadata,
    Column("id", String(48), primary_key=True),
    Column("password_hash", Text, nullable=True),
    Column("security_profile", Integer, nullable=False, server_default="1"),
    Column("registration", String(16), nullable=False, server_default="accepted"),
    Column("ocpp_version", String(8), nullable=True),
    Column("vendor", String(50), nullable=True),
    Column("model", String(50), nullable=True),
    Column("serial_number", String(50), nullable=True),
    Column("firmware_version", String(50), nullable=True),
    Column("iccid", String(20), nullable=True),
    Column("imsi", String(20), nullable=True),
    Column("status", String(24), nullable=True),
    Column("error_code", String(50), nullable=True),
    Column("name", String(255), nullable=True),
    Column("latitude", String(16), nullable=True),
    Column("longitude", String(16), nullable=True),
    Column("address", String(255), nullable=True),
    Column("city", String(64), nullable=True),
    Column("country", String(2), nullable=True),
    Column("time_zone", String(64), nullable=True),
    Column("last_boot_at", UtcDateTime, nullable=True),
    Column("last_seen_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

connectors = Table(
    "connectors",
    metadata,
    Column(
        "station_id",
        String(48),
        ForeignKey("stations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("evse_id", Integer, primary_key=True),
    Column("connector_id", Integer, primary_key=True),
    Column("status", String(24), nullable=True),
    Column("error_code", String(50), nullable=True),
    Column("info", String(50), nullable=True),
    Column("vendor_error_code", String(50), nullable=True),
    Column("status_at", UtcDateTime, nullable=True),
    Column("standard", String(24), nullable=True),
    Column("format", String(8), nullable=True),
    Column("power_type", String(8), nullable=True),
    Column("max_power_kw", String(16), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
)

id_tokens = Table(
    "id_tokens",
    metadata,
    Column("id_token", String(36), primary_key=True),
    Column("type", String(20), nullable=False, server_default="Central"),
    Column("status", String(16), nullable=False),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("parent_id_token", String(36), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

transactions = Table(
    "transactions",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("ocpp_id", String(36), nullable=True),
    Column("station_id", String(48), nullable=False),
    Column("evse_id", Integer, nullable=False),
    Column("connector_id", Integer, nullable=False),
    Column("id_token", String(36), nullable=True),
    Column("status", String(16), nullable=False),
    Column("started_at", UtcDateTime, nullable=True),
    Column("stopped_at", UtcDateTime, nullable=True),
    Column("meter_start_wh", BigInteger, nullable=True),
    Column("meter_stop_wh", BigInteger, nullable=True),
    Column("meter_last_wh", BigInteger, nullable=True),
    Column("energy_wh", BigInteger, nullable=True),
    Column("stop_reason", String(32), nullable=True),
    Column("stop_id_token", String(36), nullable=True),
    Column("charging_state", String(24), nullable=True),
    Column("last_seq_no", Integer, nullable=True),
    Column("offline", Boolean, nullable=False, server_default="0"),
    Column("reservation_id", Integer, nullable=True),
    Column("remote_start_id", Integer, nullable=True),
    Column("closed_by", String(16), nullable=True),
    Column("energy_check", String(64), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("station_id", "ocpp_id", name="uq_transactions_station_ocpp_id"),
    Index("ix_transactions_station_started", "station_id", "started_at"),
    Index("ix_transactions_status", "status"),
    Index("ix_transactions_id_token", "id_token"),
    Index("ix_transactions_stopped", "stopped_at", "energy_wh"),  # the console's daily figures
    Index("ix_transactions_station_id", "station_id", "id"),  # a station's newest, by id
)

meter_values = Table(
    "meter_values",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("station_id", String(48), nullable=False),
    Column("evse_id", Integer, nullable=False),
    Column("transaction_id", BigInteger, nullable=True),
    Column("timestamp", UtcDateTime, nullable=False),
    Column("measurand", String(48), nullable=False),
    Column("phase", String(8), nullable=False, server_default=""),
    Column("location", String(8), nullable=False, server_default=""),
    Column("context", String(24), nullable=False, server_default=""),
    Column("unit", String(12), nullable=False, server_default=""),
    Column("value", String(40), nullable=False),
    # Led by the timestamp: new samples land at the index's right-hand edge (migration 0006).
    UniqueConstraint(
        "timestamp",
        "station_id",
        "evse_id",
        "measurand",
        "phase",
        "location",
        "context",
        name="uq_meter_values_sample",
    ),
    Index("ix_meter_values_transaction", "transaction_id"),
)
