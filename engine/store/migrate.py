"""Apply the Alembic migrations: ``connector db upgrade``, or at start-up in the demo.

Every command checks that the database is at ``HEAD`` before it runs (``current``, one
query); only a command that migrates loads Alembic, whose import costs a few tenths of a
second of CPU that a worker or a CLI call would otherwise pay at each start.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError as DatabaseError

from engine.errors import ConnectorError

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["HEAD", "DatabaseError", "current", "database_errors", "head", "reason", "shown",
           "upgrade"]  # fmt: skip

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HEAD = "0005"
"""The newest migration's revision: a new migration sets it (a test compares it with
the migrations folder's head, as Alembic reads it)."""
VERSIONS = "alembic_version"  # the table Alembic keeps the revision in


def _config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    config = _config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current(engine: Engine) -> str | None:
    """The revision the database is at; None when it has no tables yet."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSIONS):
            return None
        revisions = list(connection.execute(text(f"SELECT version_num FROM {VERSIONS}")).scalars())
    if len(revisions) > 1:  # never made by these migrations, which are one line
        raise ConnectorError(f"the database is at several revisions at once: {revisions}")
    return revisions[0] if revisions else None


def head() -> str | None:
    """The newest revision of the migrations folder, as Alembic reads it."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config_without_engine()).get_current_head()


def _config_without_engine() -> Config:
    from alembic.config import Config

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
