"""OCPI roaming: partners, the tokens they push, their hubs' client info and the push outbox."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Table, Text

from steppe.storage.tables.base import UtcDateTime, metadata

# A partner platform (eMSP or hub). Tokens are kept as SHA-256 digests where they are ours to
# check (token A, the token the partner calls us with) and in clear where we must send them.
ocpi_partners = Table(
    "ocpi_partners",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("state", String(16), nullable=False),
    Column("token_a_digest", String(64), nullable=True),
    Column("token_in_digest", String(64), nullable=True),
    Column("token_out", Text, nullable=True),
    Column("raw_token", Boolean, nullable=False, server_default="0"),
    Column("versions_url", Text, nullable=True),
    Column("version", String(8), nullable=True),
    Column("endpoints", Text, nullable=False, server_default="[]"),
    Column("roles", Text, nullable=False, server_default="[]"),
    Column("last_ok_at", UtcDateTime, nullable=True),
    Column("last_error_at", UtcDateTime, nullable=True),
    Column("last_error", String(300), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_ocpi_partners_token_in", "token_in_digest"),
    Index("ix_ocpi_partners_token_a", "token_a_digest"),
)

# Tokens partners pushed (or we pulled from them), keyed as OCPI keys them.
ocpi_tokens = Table(
    "ocpi_tokens",
    metadata,
    Column("country_code", String(2), primary_key=True),
    Column("party_id", String(3), primary_key=True),
    Column("uid", String(36), primary_key=True),
    Column("type", String(16), primary_key=True),
    Column("partner_id", String(36), nullable=False),
    Column("contract_id", String(36), nullable=False),
    Column("valid", Boolean, nullable=False),
    Column("whitelist", String(16), nullable=False),
    Column("body", Text, nullable=False),
    Column("last_updated", UtcDateTime, nullable=False),
    Index("ix_ocpi_tokens_uid", "uid"),
    Index("ix_ocpi_tokens_partner", "partner_id"),
)

# What a hub tells us of the parties behind it (hubclientinfo).
ocpi_client_info = Table(
    "ocpi_client_info",
    metadata,
    Column("country_code", String(2), primary_key=True),
    Column("party_id", String(3), primary_key=True),
    Column("partner_id", String(36), nullable=False),
    Column("role", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("last_updated", UtcDateTime, nullable=False),
)

# Pushes still to make, written in the commit of the change that causes them. One row per
# (partner, module, object): a newer change of the same object bumps `version` and the worker
# sends the object as it is then, so a busy object never queues more than one row. A row leaves
# in the commit after its push is answered, and only if its version did not move meanwhile.
ocpi_outbox = Table(
    "ocpi_outbox",
    metadata,
    Column("partner_id", String(36), primary_key=True),
    Column("module", String(16), primary_key=True),
    Column("object_id", String(255), primary_key=True),
    Column("group_key", String(80), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("full", Boolean, nullable=False),
    Column("payload", Text, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("due_at", UtcDateTime, nullable=False),
    Column("queued_at", UtcDateTime, nullable=False),
    Column("last_error", String(300), nullable=True),
    Index("ix_ocpi_outbox_partner_due", "partner_id", "due_at"),
)
