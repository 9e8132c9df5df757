"""Certificates Steppe signed for stations, and the security events stations reported."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from steppe.storage.tables.base import UtcDateTime, metadata

BIGINT_ID = BigInteger().with_variant(Integer, "sqlite")

issued_certificates = Table(
    "issued_certificates",
    metadata,
    Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
    Column("station_id", String(48), nullable=False),
    Column("serial", String(64), nullable=False),
    Column("subject", Text, nullable=False),
    Column("not_before", UtcDateTime, nullable=False),
    Column("not_after", UtcDateTime, nullable=False),
    Column("certificate_pem", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # "station" (the CSMS CA, SignCertificate for the OCPP connection) or "v2g" (the V2G
    # sub-CA, ISO 15118 SECC certificates); a revoked one is answered REVOKED over OCSP.
    Column("kind", String(8), nullable=False, server_default="station"),
    Column("issuer_key_hash", String(64), nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
    Index("ix_issued_certificates_station", "station_id", "id"),
    Index("ix_issued_certificates_serial", "serial"),
)

security_events = Table(
    "security_events",
    metadata,
    Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
    Column("station_id", String(48), nullable=False),
    Column("type", String(50), nullable=False),
    Column("tech_info", Text, nullable=True),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("ocpp_version", String(8), nullable=False),
    Index("ix_security_events_station", "station_id", "id"),
)
