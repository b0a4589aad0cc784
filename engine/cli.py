"""Connector keeps an applicant tracking system and the Video Interview Suite in step."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from engine import __version__
from engine.commands import db, demo, embeds, init, lint, partner, record, serve, sync, worker
from engine.commands.common import fail
from engine.dsl.diagnostics import SpecError
from engine.errors import ConnectorError
from engine.store.migrate import DatabaseError, reason


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="connector", description=__doc__)
    root.add_argument("--version", action="version", version=f"connector {__version__}")
    commands = root.add_subparsers(dest="command", required=True)
    for group in (init, demo, lint, sync, record, serve, worker, embeds, partner, db):
        group.add(commands)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (ConnectorError, SpecError) as exc:  # raised past a command's own handling
        return fail(exc)
    except DatabaseError as exc:
        return fail(ConnectorError(f"database: {reason(exc)}"))


if __name__ == "__main__":
    raise SystemExit(main())
