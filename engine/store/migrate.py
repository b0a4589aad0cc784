"""Apply the Alembic migrations: ``connector db upgrade``, or at start-up in the demo."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError as DatabaseError

from engine.errors import ConnectorError

__all__ = ["DatabaseError", "current", "database_errors", "head", "reason", "shown", "upgrade"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = _config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head() -> str | None:
    return ScriptDirectory.from_config(_config_without_engine()).get_current_head()


def _config_without_engine() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def shown(url: str) -> str:
    """A database URL fit to print: its password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except DatabaseError:  # not a URL SQLAlchemy can parse: show only its host part
        return url.rsplit("@", 1)[-1]


def reason(exc: BaseException) -> str:
    """The driver's own words, on one line: ``database "x" does not exist``."""
    cause = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith(("(Background on", "[SQL:"))]
    return lines[-1] if lines else type(exc).__name__


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """A database that does not answer, as one ConnectorError naming it (no password)."""
    try:
        yield
    except DatabaseError as exc:
        raise ConnectorError(f"database {shown(url)}: {reason(exc)}") from None
