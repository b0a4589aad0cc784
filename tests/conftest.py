"""Shared fixtures: database URLs for SQLite and PostgreSQL.

PostgreSQL tests run against the server at 127.0.0.1:5432 (or $CONNECTOR_TEST_POSTGRES),
each session in a database of its own. They skip only when no server answers, and
then the run ends with a banner saying so.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

ADMIN_URL = os.environ.get(
    "CONNECTOR_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
_postgres_missing: list[str] = []
_loud_skips: list[str] = []  # other real parts that were missing, said again at the end


def skip_loudly(reason: str) -> None:
    """Skip a test for want of a real part, and repeat why in a banner at the end."""
    if reason not in _loud_skips:
        _loud_skips.append(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"connector_test_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        reason = f"no PostgreSQL answers at {ADMIN_URL}: {str(exc).splitlines()[0]}"
        _postgres_missing.append(reason)
        pytest.skip(reason)
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test using this runs on an SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'connector.db'}"
        return
    base = request.getfixturevalue("postgres_url")
    clean_postgres(base)
    yield base


def clean_postgres(url: str) -> None:
    """A clean slate: drop what an earlier test made."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    said = [f"POSTGRESQL TESTS WERE SKIPPED: {_postgres_missing[0]}"] if _postgres_missing else []
    said += [f"SKIPPED: {reason}" for reason in _loud_skips]
    for line in said:
        bar = "!" * 78
        terminalreporter.write_line(bar, red=True, bold=True)
        terminalreporter.write_line(line, red=True, bold=True)
        terminalreporter.write_line(bar, red=True, bold=True)
