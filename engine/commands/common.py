"""What the runtime commands share: loading connector.yaml, checking that the database
is there and migrated, and reporting any error as one line on stderr.

A command that needs the tables does not migrate them itself: on PostgreSQL several
processes share the schema and migrating is the operator's step, and on SQLite a wrong
path would quietly make an empty database, so that a plan says "create everything".
Such a command says ``run `connector db upgrade``` instead. ``connector serve``, the
long-running owner of the database, migrates at start.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from engine.dsl.diagnostics import SpecError
from engine.errors import ConnectorError
from engine.store.migrate import HEAD, current, database_errors, shown
from engine.tenants import Runtime, unset_variables

DEFAULT_CONFIG = "connector.yaml"
UPGRADE = "run `connector db upgrade`"

# Commands that run without migrated tables; every other runtime command needs them.
NO_TABLES = {
    "db": "it makes them",
    "serve": "the database's long-running owner: it migrates at start",
    "embed-url": "it signs a URL and reads no table",
    "consent-url": "it signs a URL and reads no table",
    "links-url": "it prints a URL and reads no table",
}
# Commands that run without the secrets (${ENV} variables, CONNECTOR_ENCRYPTION_KEY):
# every other one refuses to start without all of them, rather than fail halfway.
NO_SECRETS = {"db": "a migration job needs only the database URL, expanded on its own"}


def add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        default=os.environ.get("CONNECTOR_CONFIG", DEFAULT_CONFIG),
        help="the deployment file (default: $CONNECTOR_CONFIG or ./connector.yaml)",
    )


def load_runtime(args: argparse.Namespace) -> Runtime:
    """The deployment of ``--config`` with every ``${ENV}`` it names set and, unless the
    command is in ``NO_TABLES``, a database that answers and is at the newest revision."""
    path = Path(args.config)
    if not path.is_file():
        raise ConnectorError(f"no deployment file at {path}; pass --config or set CONNECTOR_CONFIG")
    runtime = Runtime.from_config(path)
    command = getattr(args, "command", None)
    unset = unset_variables(path.read_text(encoding="utf-8"), runtime.env)
    if command in NO_SECRETS:
        return runtime
    if getattr(args, "tenant", None):
        runtime.tenant(args.tenant)  # an unknown tenant first: it is what the user typed
    if unset:
        line, column, name = unset[0]
        more = f" (and {len(unset) - 1} more)" if len(unset) > 1 else ""
        raise ConnectorError(
            f"{path}:{line}:{column}: environment variable {name} is not set{more}; "
            "export it (see .env)"
        )
    runtime.tokens  # noqa: B018  (reads the key: one clear line when it is missing)
    if command not in NO_TABLES:
        check_database(runtime)
    return runtime


def check_database(runtime: Runtime) -> None:
    """Raise one clear ConnectorError unless the database is reachable and migrated."""
    url = runtime.database_url
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        file = Path(url.removeprefix("sqlite:///"))
        if not file.is_file():
            raise ConnectorError(f"no database at {file}: {UPGRADE} to create it")
    with database_errors(url):
        at = current(runtime.engine)
    if at != HEAD:
        state = "has no tables" if at is None else f"is at revision {at}"
        raise ConnectorError(f"the database {shown(url)} {state}, not {HEAD}: {UPGRADE}")


def fail(exc: Exception) -> int:
    if isinstance(exc, SpecError):
        print(str(exc), file=sys.stderr)
    else:
        print(f"connector: {exc}", file=sys.stderr)
    return 2
