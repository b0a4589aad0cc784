"""sync_runs.trigger widened from 20 to 100 characters: a widget's run is recorded as
``widget:<widget name>``, and ``widget:candidate_invite`` alone is 23. PostgreSQL
refused such an insert (SQLite does not enforce the length), so pressing that button
failed there. Names in specs are at most 64 characters, so every trigger fits.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch:
        batch.alter_column(
            "trigger", type_=sa.String(100), existing_type=sa.String(20), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch:
        batch.alter_column(
            "trigger", type_=sa.String(20), existing_type=sa.String(100), existing_nullable=False
        )
