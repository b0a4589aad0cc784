"""Connector keeps an applicant tracking system and the Video Interview Suite in step."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from engine import __version__
from engine.commands import db, demo, embeds, lint, serve, sync


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="connector", description=__doc__)
    root.add_argument("--version", action="version", version=f"connector {__version__}")
    commands = root.add_subparsers(dest="command", required=True)
    for group in (demo, lint, sync, serve, embeds, db):
        group.add(commands)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
