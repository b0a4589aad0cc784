"""``connector init``: the files it writes lint clean once their variables are set."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from cryptography.fernet import Fernet

from engine.dsl.loader import load_catalog
from tests.commands.starter import Starter, read_env

STEPS = ("lint", "db upgrade", "plan", "sync", "serve", "register", "paste the URLs")


def test_init_then_lint_is_clean_with_the_variables_set(tmp_path: Path) -> None:
    starter = Starter.init(tmp_path)
    linted = starter.run("lint", "connector.yaml")
    assert linted.returncode == 0, linted.stdout
    assert linted.stdout == ""
    assert "0 error(s), 0 warning(s)" in linted.stderr


def test_every_secret_of_the_spec_is_an_env_reference_listed_in_dot_env(tmp_path: Path) -> None:
    Starter.init(tmp_path, "--ats", "greenhouse", "--tenant", "globex")
    config = (tmp_path / "connector.yaml").read_text(encoding="utf-8")
    env = read_env(tmp_path / ".env")
    referenced = set(re.findall(r"\$\{(\w+)\}", config)) - {"ENV"}  # the header says ${ENV}
    assert referenced <= set(env)
    catalog = load_catalog()
    for name in catalog.ats["greenhouse"].secrets:
        assert f"{name}: ${{GLOBEX_GREENHOUSE_{name.upper()}}}" in config
    for name, decl in catalog.suite.secrets.items():
        written = f"{name}: ${{GLOBEX_SUITE_{name.upper()}}}"
        assert (written in config) and (decl.required or f"# {written}" in config)
    for key in ("public_url:", "frame_origins:", "setup: ideal", "suite_company:"):
        assert key in config
    Fernet(env["CONNECTOR_ENCRYPTION_KEY"].encode())  # a valid key
    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o600


def test_init_prints_the_next_steps_in_order(tmp_path: Path) -> None:
    starter = Starter.init(tmp_path / "new")
    printed = starter.run("init", "--dir", "again").stdout
    steps = [line for line in printed.splitlines() if re.match(r"  \d+\. ", line)]
    assert len(steps) == 8
    assert "fill in" in steps[0] and ".env" in steps[0]
    for step, word in zip(steps[1:], STEPS, strict=True):
        assert word in step, step
    assert "embed-url" in steps[-1] and "links-url" in steps[-1]


def test_init_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    starter = Starter.init(tmp_path)
    (tmp_path / "connector.yaml").write_text("kept", encoding="utf-8")
    again = starter.run("init")
    assert again.returncode == 2
    assert again.stderr.count("\n") == 1 and "--force" in again.stderr
    assert (tmp_path / "connector.yaml").read_text(encoding="utf-8") == "kept"
    forced = starter.run("init", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "kind: deployment" in (tmp_path / "connector.yaml").read_text(encoding="utf-8")


def test_an_unknown_ats_is_one_line(tmp_path: Path) -> None:
    made = Starter(tmp_path, dict(os.environ)).run("init", "--ats", "nosuch")
    assert made.returncode == 2 and made.stderr.count("\n") == 1
    assert made.stderr.startswith("connector: no shipped ATS spec named 'nosuch'")
    assert "greenhouse" in made.stderr and not list(tmp_path.iterdir())


def test_lint_warns_of_each_unset_variable_at_its_line(tmp_path: Path) -> None:
    starter = Starter.init(tmp_path)
    env = {k: v for k, v in starter.env.items() if k != "ACME_GREENHOUSE_CLIENT_SECRET"}
    env["SUITE_PUBLIC_URL"] = ""
    linted = starter.run("lint", "connector.yaml", env=env)
    lines = (tmp_path / "connector.yaml").read_text(encoding="utf-8").splitlines()
    row, public = (
        next(n for n, line in enumerate(lines, 1) if f"${{{name}}}" in line)
        for name in ("ACME_GREENHOUSE_CLIENT_SECRET", "SUITE_PUBLIC_URL")
    )
    assert linted.stdout.splitlines() == [
        f"connector.yaml:{public}:15: environment variable SUITE_PUBLIC_URL is empty "
        "[tenant, warning]",
        f"connector.yaml:{row}:22: environment variable ACME_GREENHOUSE_CLIENT_SECRET is not "
        "set; runtime commands will refuse to run [tenant, warning]",
    ]
    assert linted.returncode == 0  # a warning: lint runs where secrets are absent (CI)
    planned = starter.run("plan", "acme", env=env)
    assert planned.returncode == 2
    assert planned.stderr == (
        f"connector: connector.yaml:{row}:22: environment variable "
        "ACME_GREENHOUSE_CLIENT_SECRET is not set; export it (see .env)\n"
    )
