"""The database: SQLAlchemy Core tables, SQLite (WAL) embedded or PostgreSQL by URL.

Migrations live in ``engine/migrations`` (Alembic); ``connector db upgrade`` applies
them. Times are Unix seconds (float): portable, sortable, and cheap to compare.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)

metadata = MetaData()

links = Table(
    "links",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant", String(100), nullable=False),
    Column("entity", String(100), nullable=False),
    Column("ats_id", String(255), nullable=False),
    Column("suite_id", String(255), nullable=False),
    Column("ats_numeric", Boolean, nullable=False, default=False),
    Column("fingerprint", String(64)),
    Column("suite_payload", Text),
    Column("ats_payload", Text),
    Column("status", String(20), nullable=False, default="active"),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("tenant", "entity", "ats_id", name="uq_links_ats"),
    UniqueConstraint("tenant", "entity", "suite_id", name="uq_links_suite"),
)

cursors = Table(
    "cursors",
    metadata,
    Column("tenant", String(100), nullable=False),
    Column("key", String(200), nullable=False),
    Column("value", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("tenant", "key", name="uq_cursors_tenant_key"),
)

tokens = Table(
    "tokens",
    metadata,
    Column("tenant", String(100), nullable=False),
    Column("provider", String(100), nullable=False),
    Column("ciphertext", Text, nullable=False),
    Column("expires_at", Float),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("tenant", "provider", name="uq_tokens_tenant_provider"),
)

partner_keys = Table(
    "partner_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant", String(100), nullable=False),
    Column("digest", String(64), nullable=False),  # SHA-256 of the key: the key is never kept
    Column("label", String(200), nullable=False, default=""),
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float),
    UniqueConstraint("digest", name="uq_partner_keys_digest"),
)

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant", String(100), nullable=False),
    Column("trigger", String(100), nullable=False),
    Column("flows", Text, nullable=False),
    Column("full", Boolean, nullable=False, default=False),
    Column("status", String(20), nullable=False),
    Column("started_at", Float, nullable=False),
    Column("finished_at", Float),
    Column("created", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("deleted", Integer, nullable=False, default=0),
    Column("skipped", Integer, nullable=False, default=0),
    Column("failed", Integer, nullable=False, default=0),
    Column("error", Text),
    Index("ix_sync_runs_tenant_started", "tenant", "started_at"),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant", String(100), nullable=False),
    Column("run_id", Integer),
    Column("at", Float, nullable=False),
    Column("flow", String(100), nullable=False),
    Column("action", String(20), nullable=False),
    Column("side", String(10), nullable=False),
    Column("resource", String(100), nullable=False),
    Column("ats_id", String(255)),
    Column("suite_id", String(255)),
    Column("detail", Text),
    Index("ix_audit_tenant_at", "tenant", "at"),
)

inbox = Table(
    "inbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant", String(100), nullable=False),
    Column("source", String(100), nullable=False),
    Column("dedup_key", String(255), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("record_key", String(300)),
    Column("payload", Text, nullable=False),
    Column("status", String(20), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),  # claims made: the lease epoch
    Column("deferrals", Integer, nullable=False, server_default="0"),  # 0005
    Column("next_attempt_at", Float, nullable=False),
    Column("lease_until", Float),
    Column("last_error", Text),
    Column("received_at", Float, nullable=False),
    Column("processed_at", Float),
    UniqueConstraint("tenant", "source", "dedup_key", name="uq_inbox_dedup"),
    Index("ix_inbox_due", "status", "next_attempt_at"),
    Index("ix_inbox_record", "tenant", "record_key", "id"),
    Index("ix_inbox_received", "received_at"),  # the admin chart and purges: migration 0002
)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys. A server
    database's pooled connections are tested as they are taken (one round trip): after
    a failover or a restart every one of them is closed, and without the test the first
    use of each fails (a webhook answered 503, a worker's batch lost to its lease)."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
    else:
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    return engine
