"""Tariffs, assignments and charge detail records.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Reserved slot in the chain; the tables arrive with their feature."""


def downgrade() -> None:
    """Nothing to undo."""
