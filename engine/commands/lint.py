"""``connector lint``: check spec files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from engine.dsl.lint import lint_paths
from engine.dsl.rules import RULES
from engine.paths import MAPPINGS_DIR


def run(args: argparse.Namespace) -> int:
    if args.rules:
        for rule in RULES:
            print(f"{rule.name:20} {rule.description}")
        return 0
    results = lint_paths(args.paths or [_default_folder()])
    diagnostics = [d for r in results for d in r.diagnostics]
    errors = sum(d.severity == "error" for d in diagnostics)
    if args.format == "json":
        json.dump([d.as_dict() for d in diagnostics], sys.stdout, indent=2)
        print()
    else:
        for diagnostic in diagnostics:
            print(diagnostic)
        warnings = len(diagnostics) - errors
        print(
            f"{len(results)} file(s) checked: {errors} error(s), {warnings} warning(s)",
            file=sys.stderr,
        )
    return 1 if errors else 0


def _default_folder() -> Path:
    """``mappings/`` in the current folder, else the specs shipped with Connector."""
    here = Path("mappings")
    return here if here.is_dir() else MAPPINGS_DIR


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    lint = commands.add_parser(
        "lint",
        help="check spec files",
        description="Check specs: schema, expressions, references and examples. "
        "Prints path:line:col: message [rule]; exits 1 on any error.",
    )
    lint.add_argument(
        "paths", nargs="*", help="files or folders (default: ./mappings, else the shipped specs)"
    )
    lint.add_argument("--format", choices=("text", "json"), default="text")
    lint.add_argument("--rules", action="store_true", help="list the rules and exit")
    lint.set_defaults(run=run)
