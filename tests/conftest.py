"""Shared fixtures: database URLs for SQLite and PostgreSQL.

PostgreSQL tests run against the server at 127.0.0.1:5432 (or $CONNECTOR_TEST_POSTGRES),
each session (each parallel worker's, too) in a database of its own. They skip only when
no server answers, and then the run ends with a banner saying so. The banner is read
off the skip reports, which parallel workers send to the main process.
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
POSTGRES_MISSING = "no PostgreSQL answers at "
LOUD = "NOT RUN, a real part is missing: "  # a skip the end-of-run banner repeats


def skip_loudly(reason: str) -> None:
    """Skip a test for want of a real part, and repeat why in a banner at the end."""
    pytest.skip(LOUD + reason)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"connector_test_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        reason = f"{POSTGRES_MISSING}{ADMIN_URL}: {str(exc).splitlines()[0]}"
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


def _skip_reasons(terminalreporter: pytest.TerminalReporter) -> list[str]:
    reasons = []
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = getattr(report, "longrepr", None)
        text = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else ""
        reason = str(text).removeprefix("Skipped: ")
        if reason not in reasons:
            reasons.append(reason)
    return reasons


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    reasons = _skip_reasons(terminalreporter)
    postgres = [r for r in reasons if r.startswith(POSTGRES_MISSING)]
    said = [f"POSTGRESQL TESTS WERE SKIPPED: {postgres[0]}"] if postgres else []
    said += [f"SKIPPED: {r.removeprefix(LOUD)}" for r in reasons if r.startswith(LOUD)]
    for line in said:
        bar = "!" * 78
        terminalreporter.write_line(bar, red=True, bold=True)
        terminalreporter.write_line(line, red=True, bold=True)
        terminalreporter.write_line(bar, red=True, bold=True)
