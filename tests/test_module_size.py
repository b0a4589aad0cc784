"""No module over 400 lines: a file that long holds more than the one thing it is named after.

The count is of physical lines (a last line without a newline counts too) over every
``.py`` file in the project's code folders. A failure lists each offender with its
count, longest first::

    engine/web/admin.py: 608 lines
"""

from __future__ import annotations

from pathlib import Path

from engine.paths import PROJECT_ROOT

FOLDERS = ("engine", "simulators", "tests", "bench")
MAX_LINES = 400


def line_count(path: Path) -> int:
    with path.open("rb") as file:
        return sum(1 for _ in file)


def oversized(root: Path = PROJECT_ROOT) -> list[tuple[str, int]]:
    """(relative path, lines) of every module over ``MAX_LINES``, longest first."""
    counts = [
        (path.relative_to(root).as_posix(), line_count(path))
        for folder in FOLDERS
        for path in (root / folder).rglob("*.py")
    ]
    return sorted(((p, n) for p, n in counts if n > MAX_LINES), key=lambda c: (-c[1], c[0]))


def test_no_module_is_over_400_lines() -> None:
    found = oversized()
    listing = "\n".join(f"{path}: {lines} lines" for path, lines in found)
    assert not found, f"{len(found)} module(s) over {MAX_LINES} lines:\n{listing}"


def test_the_count_sees_each_line_and_each_folder(tmp_path: Path) -> None:
    for folder in FOLDERS:
        (tmp_path / folder / "deep").mkdir(parents=True)
    (tmp_path / "engine" / "deep" / "long.py").write_text("x = 1\n" * 401, encoding="utf-8")
    (tmp_path / "bench" / "edge.py").write_text("x = 1\n" * 400, encoding="utf-8")
    (tmp_path / "tests" / "unterminated.py").write_text("x = 1\n" * 401 + "y = 2", encoding="utf-8")
    assert oversized(tmp_path) == [("tests/unterminated.py", 402), ("engine/deep/long.py", 401)]
