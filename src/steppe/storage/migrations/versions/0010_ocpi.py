"""OCPI roaming: partners, their tokens, hub client info, the push outbox, and on each
transaction the partner it belongs to.

Pushes to partners are written in the same commit as the change that causes them (the outbox),
so a server stopped or killed before sending them sends them after its restart. A transaction
started with a partner's token names that partner, which the API shows and the session and CDR
pushes follow.

Revision ID: 0010
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from steppe.storage.tables.base import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ocpi_partners",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("token_a_digest", sa.String(64), nullable=True),
        sa.Column("token_in_digest", sa.String(64), nullable=True),
        sa.Column("token_out", sa.Text, nullable=True),
        sa.Column("raw_token", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("versions_url", sa.Text, nullable=True),
        sa.Column("version", sa.String(8), nullable=True),
        sa.Column("endpoints", sa.Text, nullable=False, server_default="[]"),
        sa.Column("roles", sa.Text, nullable=False, server_default="[]"),
        sa.Column("last_ok_at", UtcDateTime, nullable=True),
        sa.Column("last_error_at", UtcDateTime, nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_ocpi_partners_token_in", "ocpi_partners", ["token_in_digest"])
    op.create_index("ix_ocpi_partners_token_a", "ocpi_partners", ["token_a_digest"])
    op.create_table(
        "ocpi_tokens",
        sa.Column("country_code", sa.String(2), primary_key=True),
        sa.Column("party_id", sa.String(3), primary_key=True),
        sa.Column("uid", sa.String(36), primary_key=True),
        sa.Column("type", sa.String(16), primary_key=True),
        sa.Column("partner_id", sa.String(36), nullable=False),
        sa.Column("contract_id", sa.String(36), nullable=False),
        sa.Column("valid", sa.Boolean, nullable=False),
        sa.Column("whitelist", sa.String(16), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("last_updated", UtcDateTime, nullable=False),
    )
    op.create_index("ix_ocpi_tokens_uid", "ocpi_tokens", ["uid"])
    op.create_index("ix_ocpi_tokens_partner", "ocpi_tokens", ["partner_id"])
    op.create_table(
        "ocpi_client_info",
        sa.Column("country_code", sa.String(2), primary_key=True),
        sa.Column("party_id", sa.String(3), primary_key=True),
        sa.Column("partner_id", sa.String(36), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("last_updated", UtcDateTime, nullable=False),
    )
    op.create_table(
        "ocpi_outbox",
        sa.Column("partner_id", sa.String(36), primary_key=True),
        sa.Column("module", sa.String(16), primary_key=True),
        sa.Column("object_id", sa.String(255), primary_key=True),
        sa.Column("group_key", sa.String(80), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("full", sa.Boolean, nullable=False),
        sa.Column("payload", sa.Text, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("due_at", UtcDateTime, nullable=False),
        sa.Column("queued_at", UtcDateTime, nullable=False),
        sa.Column("last_error", sa.String(300), nullable=True),
    )
    op.create_index("ix_ocpi_outbox_partner_due", "ocpi_outbox", ["partner_id", "due_at"])
    with op.batch_alter_table("transactions") as batch:
        batch.add_column(sa.Column("ocpi_partner_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("ocpi_auth_method", sa.String(16), nullable=True))
        batch.add_column(sa.Column("ocpi_auth_reference", sa.String(36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("transactions") as batch:
        batch.drop_column("ocpi_auth_reference")
        batch.drop_column("ocpi_auth_method")
        batch.drop_column("ocpi_partner_id")
    op.drop_index("ix_ocpi_outbox_partner_due", table_name="ocpi_outbox")
    op.drop_table("ocpi_outbox")
    op.drop_table("ocpi_client_info")
    op.drop_index("ix_ocpi_tokens_partner", table_name="ocpi_tokens")
    op.drop_index("ix_ocpi_tokens_uid", table_name="ocpi_tokens")
    op.drop_table("ocpi_tokens")
    op.drop_index("ix_ocpi_partners_token_a", table_name="ocpi_partners")
    op.drop_index("ix_ocpi_partners_token_in", table_name="ocpi_partners")
    op.drop_table("ocpi_partners")
