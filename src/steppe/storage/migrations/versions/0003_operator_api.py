"""API keys, audit log, webhooks.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Reserved slot in the chain; the tables arrive with their feature."""


def downgrade() -> None:
    """Nothing to undo."""
