"""Every runtime command, given a missing or unmigrated database, a missing key or an
unset variable, says so in one line on stderr and exits non-zero: never a traceback.

Each case runs the real ``connector`` in a subprocess on a deployment made by
``connector init``: an SQLite file, or a PostgreSQL database that does not exist.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from engine.store.migrate import head
from tests.commands.starter import CLI, Starter, closed_port
from tests.conftest import ADMIN_URL

NEEDS_TABLES: dict[str, tuple[str, ...]] = {
    "plan": ("plan", "acme"),
    "sync": ("sync", "acme"),
    "links": ("links", "acme"),
    "inbox list": ("inbox", "list"),
    "inbox retry": ("inbox", "retry"),
    "inbox purge": ("inbox", "purge"),
    "register": ("register", "acme"),
}
URLS: dict[str, tuple[str, ...]] = {  # sign or print URLs: they read no table
    "embed-url": ("embed-url", "acme", "candidate_interview", "42"),
    "consent-url": ("consent-url", "acme"),
    "links-url": ("links-url", "acme", "application"),
}
SERVE: dict[str, tuple[str, ...]] = {
    "serve": ("serve", "--port", "1")
}  # were it to start, binding port 1 would fail
UPGRADE: dict[str, tuple[str, ...]] = {"db upgrade": ("db", "upgrade")}

Arrange = Callable[[Starter], dict[str, str]]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Starter]:
    """One ``connector init`` for the module, and its database once migrated (kept as
    migrated.db); each test works on a copy."""
    starter = Starter.init(tmp_path_factory.mktemp("init"))
    upgraded = starter.run("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    (starter.folder / "connector.db").rename(starter.folder / "migrated.db")
    yield starter


@pytest.fixture
def starter(template: Starter, tmp_path: Path) -> Starter:
    return template.copy(tmp_path)


def missing_file(starter: Starter) -> dict[str, str]:
    return starter.env  # connector.db was never made


def unmigrated(starter: Starter) -> dict[str, str]:
    (starter.folder / "connector.db").touch()  # an empty SQLite database
    return starter.env


def migrated(starter: Starter) -> dict[str, str]:
    shutil.copyfile(starter.folder / "migrated.db", starter.folder / "connector.db")
    return starter.env


def no_key(starter: Starter) -> dict[str, str]:
    migrated(starter)
    return {k: v for k, v in starter.env.items() if k != "CONNECTOR_ENCRYPTION_KEY"}


def unset_variable(starter: Starter) -> dict[str, str]:
    migrated(starter)
    return {k: v for k, v in starter.env.items() if k != "ACME_SUITE_CLIENT_SECRET"}


def absent_postgres(starter: Starter) -> dict[str, str]:
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/connector_absent_{uuid.uuid4().hex[:8]}"
    text = starter.config.read_text(encoding="utf-8")
    starter.config.write_text(text.replace("sqlite:///connector.db", url), encoding="utf-8")
    return starter.env


NO_DB = "no database at "
UPGRADE_HINT = "run `connector db upgrade`"
CASES: list[tuple[str, Arrange, dict[str, tuple[str, ...]], tuple[str, ...]]] = [
    ("missing database", missing_file, NEEDS_TABLES, (NO_DB, UPGRADE_HINT)),
    ("unmigrated", unmigrated, NEEDS_TABLES, ("has no tables", f"not {head()}", UPGRADE_HINT)),
    ("no key", no_key, {**NEEDS_TABLES, **URLS, **SERVE}, ("CONNECTOR_ENCRYPTION_KEY is not set",)),
    (
        "unset variable",
        unset_variable,
        {**NEEDS_TABLES, **URLS, **SERVE},
        ("environment variable ACME_SUITE_CLIENT_SECRET is not set", "connector.yaml:"),
    ),
    ("absent postgresql", absent_postgres, {**NEEDS_TABLES, **SERVE, **UPGRADE}, ("database ",)),
]
PARAMS = [
    pytest.param(arrange, argv, words, id=f"{case}-{name}")
    for case, arrange, commands, words in CASES
    for name, argv in commands.items()
]


@pytest.mark.parametrize(("arrange", "argv", "words"), PARAMS)
def test_one_clear_line_and_a_non_zero_exit(
    starter: Starter, arrange: Arrange, argv: tuple[str, ...], words: tuple[str, ...]
) -> None:
    env = arrange(starter)
    ran = starter.run(*argv, env=env)
    assert ran.returncode == 2, (ran.stdout, ran.stderr)
    assert "Traceback" not in ran.stderr
    lines = ran.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("connector: "), ran.stderr
    for word in words:
        assert word in lines[0]
    if arrange is missing_file:
        assert not (starter.folder / "connector.db").exists()  # nothing made at a wrong path


def test_the_postgresql_error_names_the_database_without_its_password(starter: Starter) -> None:
    absent_postgres(starter)
    text = starter.config.read_text(encoding="utf-8")
    starter.config.write_text(text.replace("://postgres@", "://postgres:hunter2@"), "utf-8")
    ran = starter.run("db", "upgrade")
    assert ran.returncode == 2 and "hunter2" not in ran.stderr
    assert "connector_absent_" in ran.stderr and "***" in ran.stderr


@pytest.mark.parametrize("name", sorted(URLS))
def test_url_commands_need_no_tables(starter: Starter, name: str) -> None:
    ran = starter.run(*URLS[name])
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("https://connector.example.com/")
    assert not (starter.folder / "connector.db").exists()


def test_db_upgrade_needs_no_secrets_and_says_where_a_folder_is_missing(starter: Starter) -> None:
    bare = {k: v for k, v in starter.env.items() if "ACME" not in k and "KEY" not in k}
    made = starter.run("db", "upgrade", env=bare)
    assert made.returncode == 0, made.stderr
    assert f"empty -> {head()}" in made.stdout
    text = starter.config.read_text(encoding="utf-8")
    starter.config.write_text(text.replace("sqlite:///", "sqlite:///nowhere/"), "utf-8")
    failed = starter.run("db", "upgrade", env=bare)
    assert failed.returncode == 2 and failed.stderr.count("\n") == 1
    assert "nowhere/connector.db" in failed.stderr and "unable to open" in failed.stderr


def test_serve_migrates_a_missing_sqlite_database_at_start(starter: Starter) -> None:
    port = closed_port()
    argv = [*CLI, "serve", "--port", str(port), "--no-worker", "--no-scheduler"]
    server = subprocess.Popen(
        argv, cwd=starter.folder, env=starter.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        answer = None
        while answer is None and time.monotonic() < deadline and server.poll() is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            except httpx.TransportError:
                time.sleep(0.1)
        assert answer is not None and answer.status_code == 200, server.poll()
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert starter.run("db", "upgrade").stdout.endswith(f"at {head()}\n")
