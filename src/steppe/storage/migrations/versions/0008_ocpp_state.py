"""What the complete OCPP 1.6 and 2.0.1 support keeps.

- transactions: the id a 1.6 station gave a transaction it ran offline (`station_tx_id`, so a
  resent stop is recognised), and the 2.0.1 idToken type;
- meter_values: a sample sent again with another value is a correction (`replaced_value`,
  `revisions`);
- signed_meter_values: signed readings as received.

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


def downgrade() -> None:
    op.drop_index("ix_signed_meter_values_transaction", table_name="signed_meter_values")
    op.drop_table("signed_meter_values")
    with op.batch_alter_table("meter_values") as batch:
        batch.drop_column("revisions")
        batch.drop_column("replaced_value")
    op.drop_index("ix_transactions_station_tx", table_name="transactions")
    with op.batch_alter_table("transactions") as batch:
        batch.drop_column("id_token_type")
        batch.drop_column("station_tx_id")
