"""Every `$ connector ...` line in the docs and the README is a command the CLI accepts."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from engine.cli import parser

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _commands(page: Path) -> list[str]:
    lines = re.findall(r"^\$ (connector .+)$", page.read_text(encoding="utf-8"), flags=re.M)
    return [line.split(" #")[0].rstrip(" &") for line in lines]


def test_the_pages_show_commands() -> None:
    shown = {page.name: _commands(page) for page in PAGES}
    assert len(shown["getting-started.md"]) >= 9, shown["getting-started.md"]
    assert len(shown["deploy.md"]) >= 3, shown["deploy.md"]


@pytest.mark.parametrize(
    "line",
    [line for page in PAGES for line in _commands(page)],
)
def test_command_parses(line: str) -> None:
    argv = shlex.split(line)[1:]
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:
        raise AssertionError(f"the CLI refuses the documented command: {line}") from exc
    assert callable(args.run), line


STEPS = ("init", "lint", "db upgrade", "plan", "sync", "serve --https", "register",
         "embed-url", "links-url")  # fmt: skip


def test_getting_started_walks_the_steps_in_order() -> None:
    shown = [
        line.removeprefix("connector ") for line in _commands(ROOT / "docs" / "getting-started.md")
    ]
    first = [next((i for i, c in enumerate(shown) if c.startswith(s)), -1) for s in STEPS]
    assert -1 not in first, dict(zip(STEPS, first, strict=True))
    assert first == sorted(first), dict(zip(STEPS, first, strict=True))
