"""An index on inbox.received_at: the admin page charts the last day's events, and
purging old events filters on it, so neither scans the whole inbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_inbox_received", "inbox", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_inbox_received", table_name="inbox")
