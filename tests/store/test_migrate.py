"""Migrations on SQLite and PostgreSQL alike: each revision upgrades a database that
holds data, and the head matches the tables the code declares."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import String, inspect

from engine.store.journal import Journal
from engine.store.migrate import HEAD, current, head, upgrade
from engine.store.tables import make_engine


def test_a_widget_run_is_recorded_after_upgrading_from_0002(database_url: str) -> None:
    """A widget's run is ``widget:<name>``: ``widget:candidate_invite`` is 23 characters,
    which the 20-character column of 0002 refused on PostgreSQL."""
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0002")
        journal = Journal(engine, "acme")
        earlier = journal.start_run(["jobs_to_projects"], full=False, trigger="sync")
        upgrade(engine)
        assert current(engine) == head()
        with engine.connect() as conn:
            [trigger] = [
                c for c in inspect(conn).get_columns("sync_runs") if c["name"] == "trigger"
            ]
        assert isinstance(trigger["type"], String) and trigger["type"].length == 100
        longest = "widget:" + "w" * 64  # names in specs are at most 64 characters
        run_id = journal.start_run(["applications_to_invitations"], full=False, trigger=longest)
        assert run_id > earlier
        assert journal.finish_run(run_id, {"created": 1}, error=None) == "ok"
    finally:
        engine.dispose()


def test_head_names_the_newest_migration() -> None:
    """Commands compare the database with ``HEAD`` without loading Alembic; a new
    migration that does not move it would make every command refuse a migrated database."""
    assert head() == HEAD, f"set HEAD in engine/store/migrate.py to {head()!r}"


def test_current_reads_the_revision_at_each_step(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current(engine) is None  # no tables yet
        upgrade(engine, "0003")
        assert current(engine) == "0003"
        upgrade(engine)
        assert current(engine) == HEAD
    finally:
        engine.dispose()


def test_a_command_starts_without_loading_alembic() -> None:
    """Only the commands that migrate pay for Alembic's import."""
    probe = ("import sys, engine.cli, engine.commands.common, engine.commands.worker; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")  # fmt: skip
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)  # fmt: skip
    assert ran.stdout.strip() == "[]", ran.stdout
