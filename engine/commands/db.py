"""``connector db upgrade`` and ``connector keygen``."""

from __future__ import annotations

import argparse

from cryptography.fernet import Fernet

from engine.commands.common import add_config, fail, load_runtime
from engine.dsl.diagnostics import SpecError
from engine.errors import ConnectorError
from engine.store.migrate import current, database_errors, upgrade


def run_upgrade(args: argparse.Namespace) -> int:
    try:
        runtime = load_runtime(args)
        with database_errors(runtime.database_url):
            before = current(runtime.engine)
            upgrade(runtime.engine)
            after = current(runtime.engine)
    except (ConnectorError, SpecError) as exc:
        return fail(exc)
    url = runtime.engine.url.render_as_string(hide_password=True)
    print(f"{url}: {before or 'empty'} -> {after}" if before != after else f"{url}: at {after}")
    return 0


def run_keygen(args: argparse.Namespace) -> int:
    print(Fernet.generate_key().decode())
    return 0


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = commands.add_parser("db", help="database schema")
    actions = db.add_subparsers(dest="action", required=True)
    up = actions.add_parser("upgrade", help="apply the migrations")
    add_config(up)
    up.set_defaults(run=run_upgrade)
    keygen = commands.add_parser(
        "keygen", help="print a new key for CONNECTOR_ENCRYPTION_KEY (tokens at rest)"
    )
    keygen.set_defaults(run=run_keygen)
