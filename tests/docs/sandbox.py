"""``python -m simulators DIR``, the sandbox the pages' readers start in a terminal of
their own, run for one test and never left running."""

from __future__ import annotations

import contextlib
import json
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def sandbox(folder: Path, *args: str) -> Iterator[dict[str, str]]:
    """The simulators writing ``folder``/connector.yaml; yields the URLs they print."""
    sims = subprocess.Popen(
        [sys.executable, "-m", "simulators", str(folder), *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert sims.stdout is not None
        ready, _, _ = select.select([sims.stdout], [], [], 60)
        assert ready, "the simulators did not start within 60 s"
        urls: dict[str, str] = json.loads(sims.stdout.readline())
        yield urls
    finally:
        if sims.stdin:
            sims.stdin.close()  # the simulators stop when their input closes
        try:
            sims.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sims.kill()
            sims.wait(timeout=10)
        if sims.stdout:
            sims.stdout.close()
