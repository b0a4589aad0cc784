"""inbox.deferrals: how many of an event's claims ended deferred, because the other
side was unavailable (a 503, a 429, no answer) rather than because the event failed.
Dead-lettering and backoff count only the claims that failed: ``attempts - deferrals``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("inbox", sa.Column("deferrals", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("inbox") as table:  # SQLite drops by copying the table
        table.drop_column("deferrals")
