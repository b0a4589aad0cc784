"""Migrations on SQLite and PostgreSQL alike: each revision upgrades a database that
holds data, and the head matches the tables the code declares."""

from __future__ import annotations

from sqlalchemy import String, inspect

from engine.store.journal import Journal
from engine.store.migrate import current, head, upgrade
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
