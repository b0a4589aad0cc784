"""The backup and restore commands of docs/deploy.md, run as written on real databases."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from engine.store.links import Link, LinkStore
from engine.store.migrate import upgrade
from engine.store.tables import make_engine
from tests.conftest import skip_loudly

PAGE = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


def _commands() -> list[str]:
    text = PAGE.read_text(encoding="utf-8")
    start = text.index("## Backups of the equivalence table")
    section = text[start : text.index("\n## ", start + 1)]
    return re.findall(r"^\$ (.+)$", section, flags=re.M)


def _run(command: str, cwd: Path, **env: str) -> None:
    tool = command.split()[0]
    if shutil.which(tool) is None:
        skip_loudly(f"{tool} is not installed: the documented backup commands were not run")
    # the restore names the dump the backup wrote, whatever the date in the example
    command = re.sub(r"links-\d{4}-\d{2}-\d{2}\.dump", "links-$(date +%F).dump", command)
    done = subprocess.run(
        ["bash", "-c", command], cwd=cwd, env={**os.environ, **env},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"{command}\n{done.stderr}"


def _linked(store: LinkStore, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        store.add("job", 4000 + n, f"p-{n}", written="suite", payload={"name": f"Job {n}"})


def _pairs(links: list[Link]) -> list[tuple[str, str, str]]:
    return [(link.entity, link.ats_id, link.suite_id) for link in links]


def test_the_section_shows_each_step() -> None:
    tools = [c.split()[0] for c in _commands()]
    assert tools == ["pg_dump", "psql", "pg_restore", "psql", "sqlite3"], tools


def _fresh(url: str) -> None:
    """An empty, migrated database: the one a disaster leaves you to restore into."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    upgrade(engine)
    engine.dispose()


def test_pg_dump_and_restore_of_the_links_table(postgres_url: str, tmp_path: Path) -> None:
    _fresh(postgres_url)
    engine = make_engine(postgres_url)
    store = LinkStore(engine, "acme")
    _linked(store, 3)
    saved = _pairs(list(store.all()))
    dump, truncate, restore, sequence, _ = _commands()
    pg_url = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    _run(dump, tmp_path, PG_URL=pg_url)
    engine.dispose()
    _fresh(postgres_url)  # the database is lost; `connector db upgrade` made a new one
    for command in (truncate, restore, sequence):
        _run(command, tmp_path, PG_URL=pg_url)
    assert _pairs(list(store.all())) == saved
    _linked(store, 1, start=10)  # the id sequence was moved past the restored rows
    assert len(list(store.all())) == 4
    engine.dispose()


def test_sqlite_backup_copies_the_links(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'connector.db'}")
    upgrade(engine)
    store = LinkStore(engine, "acme")
    _linked(store, 3)
    _run(_commands()[-1], tmp_path)
    copy = make_engine(f"sqlite:///{tmp_path / 'connector-backup.db'}")
    assert _pairs(list(LinkStore(copy, "acme").all())) == _pairs(list(store.all()))
    engine.dispose()
    copy.dispose()
