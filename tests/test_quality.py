"""The code is as clean as its configuration says: ruff and strict mypy pass."""

from __future__ import annotations

import subprocess
import sys

from engine.paths import PROJECT_ROOT


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)


def test_ruff_check_is_clean() -> None:
    run = _run(sys.executable, "-m", "ruff", "check", ".")
    assert run.returncode == 0, run.stdout + run.stderr


def test_ruff_format_is_clean() -> None:
    run = _run(sys.executable, "-m", "ruff", "format", "--check", ".")
    assert run.returncode == 0, run.stdout + run.stderr


def test_mypy_strict_is_clean() -> None:
    run = _run(sys.executable, "-m", "mypy")
    assert run.returncode == 0, run.stdout + run.stderr
