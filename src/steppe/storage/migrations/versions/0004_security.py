"""Certificates and security events.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Reserved slot in the chain; the tables arrive with their feature."""


def downgrade() -> None:
    """Nothing to undo."""
