"""The database: SQLAlchemy Core tables, SQLite (WAL) embedded or PostgreSQL by URL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Float,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)

metadata = MetaData()

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


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
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
