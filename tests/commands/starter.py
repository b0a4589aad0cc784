"""A deployment made by ``connector init`` in a folder, and a way to run commands on it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

CLI = [sys.executable, "-m", "engine.cli"]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def read_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines())
    return {pair[0]: pair[1] for pair in pairs if len(pair) == 2 and not pair[0].startswith("#")}


@dataclass
class Starter:
    """The files ``connector init`` wrote, and the environment that fills them in."""

    folder: Path
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def init(cls, folder: Path, *args: str) -> Starter:
        """``connector init`` for Greenhouse unless ``args`` name another ATS."""
        args = args if "--ats" in args else ("--ats", "greenhouse", *args)
        made = subprocess.run(
            [*CLI, "init", "--dir", str(folder), *args],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        values = read_env(folder / ".env")
        filled = {name: value or "placeholder" for name, value in values.items()}
        filled["CONNECTOR_PUBLIC_URL"] = "https://connector.example.com"
        filled["SUITE_BASE_URL"] = f"http://127.0.0.1:{closed_port()}/api/v1"
        filled["SUITE_PUBLIC_URL"] = "https://suite.example.com"
        base = {k: v for k, v in os.environ.items() if not k.startswith("CONNECTOR_")}
        return cls(folder, {**base, **filled})

    def copy(self, folder: Path) -> Starter:
        """The same files in another folder: one ``init`` serves many tests."""
        shutil.copytree(self.folder, folder, dirs_exist_ok=True)
        return Starter(folder, dict(self.env))

    @property
    def config(self) -> Path:
        return self.folder / "connector.yaml"

    def run(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *args], capture_output=True, text=True, timeout=60, check=False,
            env=self.env if env is None else env, cwd=self.folder,
        )  # fmt: skip
