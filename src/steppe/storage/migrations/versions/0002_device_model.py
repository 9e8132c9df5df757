"""Device model, station events and notifications (OCPP 2.0.1).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Reserved slot in the chain; the tables arrive with their feature."""


def downgrade() -> None:
    """Nothing to undo."""
