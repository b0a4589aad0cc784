"""The initial tables: links, cursors, tokens, sync_runs, audit and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "links",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("entity", sa.String(100), nullable=False),
        sa.Column("ats_id", sa.String(255), nullable=False),
        sa.Column("suite_id", sa.String(255), nullable=False),
        sa.Column("ats_numeric", sa.Boolean, nullable=False),
        sa.Column("fingerprint", sa.String(64)),
        sa.Column("suite_payload", sa.Text),
        sa.Column("ats_payload", sa.Text),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.UniqueConstraint("tenant", "entity", "ats_id", name="uq_links_ats"),
        sa.UniqueConstraint("tenant", "entity", "suite_id", name="uq_links_suite"),
    )
    op.create_table(
        "cursors",
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.UniqueConstraint("tenant", "key", name="uq_cursors_tenant_key"),
    )
    op.create_table(
        "tokens",
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("provider", sa.String(100), nullable=False),
        sa.Column("ciphertext", sa.Text, nullable=False),
        sa.Column("expires_at", sa.Float),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.UniqueConstraint("tenant", "provider", name="uq_tokens_tenant_provider"),
    )
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("flows", sa.Text, nullable=False),
        sa.Column("full", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("finished_at", sa.Float),
        sa.Column("created", sa.Integer, nullable=False),
        sa.Column("updated", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Integer, nullable=False),
        sa.Column("skipped", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_sync_runs_tenant_started", "sync_runs", ["tenant", "started_at"])
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("run_id", sa.Integer),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("flow", sa.String(100), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("side", sa.String(10), nullable=False),
        sa.Column("resource", sa.String(100), nullable=False),
        sa.Column("ats_id", sa.String(255)),
        sa.Column("suite_id", sa.String(255)),
        sa.Column("detail", sa.Text),
    )
    op.create_index("ix_audit_tenant_at", "audit", ["tenant", "at"])
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("dedup_key", sa.String(255), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("record_key", sa.String(300)),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("lease_until", sa.Float),
        sa.Column("last_error", sa.Text),
        sa.Column("received_at", sa.Float, nullable=False),
        sa.Column("processed_at", sa.Float),
        sa.UniqueConstraint("tenant", "source", "dedup_key", name="uq_inbox_dedup"),
    )
    op.create_index("ix_inbox_due", "inbox", ["status", "next_attempt_at"])
    op.create_index("ix_inbox_record", "inbox", ["tenant", "record_key", "id"])


def downgrade() -> None:
    for index, table in (
        ("ix_inbox_record", "inbox"),
        ("ix_inbox_due", "inbox"),
        ("ix_audit_tenant_at", "audit"),
        ("ix_sync_runs_tenant_started", "sync_runs"),
    ):
        op.drop_index(index, table_name=table)
    for table in ("inbox", "audit", "sync_runs", "tokens", "cursors", "links"):
        op.drop_table(table)
