"""What OCPP 2.1 stations work out and report on their own: the cost they calculated for a
transaction (compared with Steppe's CDR), payments settled at the station, and the notices
they send or are sent (periodic event streams, DER control, battery swaps, priority charging,
dynamic schedules). JSON bodies are kept as text exactly as received or sent."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from steppe.storage.tables.base import UtcDateTime, metadata

BIGINT_ID = BigInteger().with_variant(Integer, "sqlite")

# The cost a station calculated itself (TransactionEvent costDetails), one per transaction, and
# its comparison with Steppe's CDR: `verdict` is pending (no CDR yet), match or differs.
charger_costs = Table(
    "charger_costs",
    metadata,
    Column("transaction_pk", BigInteger, primary_key=True, autoincrement=False),
    Column("station_id", String(48), nullable=False),
    Column("transaction_id", String(36), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("excl_tax", String(40), nullable=True),
    Column("incl_tax", String(40), nullable=True),
    Column("body", Text, nullable=False),
    Column("reported_at", UtcDateTime, nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("cdr_id", String(36), nullable=True),
    Column("difference", String(40), nullable=True),  # station minus CDR, excl. tax
    Index("ix_charger_costs_verdict", "verdict", "transaction_pk"),
)

# NotifySettlement: a payment taken by the station's terminal, against its transaction.
settlements = Table(
    "settlements",
    metadata,
    Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
    Column("station_id", String(48), nullable=False),
    Column("transaction_id", String(36), nullable=True),
    Column("transaction_pk", BigInteger, nullable=True),
    Column("psp_ref", String(255), nullable=False),
    Column("status", String(20), nullable=False),
    Column("amount", String(40), nullable=False),
    Column("settled_at", UtcDateTime, nullable=False),
    Column("receipt_id", String(50), nullable=True),
    Column("receipt_url", String(2000), nullable=True),
    Column("vat_number", String(20), nullable=True),
    Column("body", Text, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Index("ix_settlements_transaction", "transaction_pk"),
    Index("ix_settlements_station", "station_id", "id"),
)

# Everything else 2.1 adds that Steppe keeps without acting on it yet: one row per message in
# or out, `kind` the action, `ref` the id it is about (stream, profile, control, request).
station_notices = Table(
    "station_notices",
    metadata,
    Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
    Column("station_id", String(48), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("direction", String(3), nullable=False),  # "in" from the station, "out" to it
    Column("ref", String(64), nullable=True),
    Column("evse_id", Integer, nullable=True),
    Column("transaction_id", String(36), nullable=True),
    Column("body", Text, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_station_notices_station", "station_id", "kind", "id"),
)

# Periodic event streams a station opened (OpenPeriodicEventStream) and their state.
event_streams = Table(
    "event_streams",
    metadata,
    Column("station_id", String(48), primary_key=True),
    Column("stream_id", Integer, primary_key=True, autoincrement=False),
    Column("variable_monitoring_id", Integer, nullable=False),
    Column("interval_s", Integer, nullable=True),
    Column("max_values", Integer, nullable=True),
    Column("status", String(8), nullable=False),  # open, closed
    Column("opened_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("data_points", BigInteger, nullable=False, server_default="0"),
    Column("last_data_at", UtcDateTime, nullable=True),
)
