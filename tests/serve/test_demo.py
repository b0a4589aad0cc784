"""``connector demo --check``: the README's first command, headless, in CI."""

from __future__ import annotations

import subprocess
import sys


def test_demo_check_passes_every_step() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "engine.cli", "demo", "--check"],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    lines = run.stdout.strip().splitlines()
    assert run.returncode == 0, run.stdout + run.stderr
    assert lines[-1] == "demo: 5/5 steps passed"
    assert sum(line.strip().startswith("ok ") for line in lines) == 5
