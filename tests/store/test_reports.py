"""The admin page's reports on SQLite and PostgreSQL, over rows the runtime's own stores
wrote: inbox depth and hourly counts, runs, failures, tokens and the link search."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet, MultiFernet

from engine.store.inbox import MAX_ATTEMPTS, Inbox
from engine.store.journal import AuditEntry, Journal
from engine.store.links import LinkStore
from engine.store.migrate import upgrade
from engine.store.reports import Reports
from engine.store.tables import make_engine
from engine.store.tokens import Token, TokenStore

HOURS = 24


@pytest.fixture
def reports(database_url: str) -> Iterator[Reports]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield Reports(engine)
    engine.dispose()


def _dead_letter(inbox: Inbox, error: str) -> None:
    """Fail the one claimable event until it is dead."""
    for _ in range(MAX_ATTEMPTS):
        [event] = inbox.claim("w", now=time.time() + 10**6)
        inbox.failed(event, error)


def test_depth_hours_and_failing_events(reports: Reports) -> None:
    inbox = Inbox(reports.engine)
    inbox.add("acme", "greenhouse", "e-1", "job_created", {"secret": "payload"}, None)
    _dead_letter(inbox, "HTTP 422: name is required")
    inbox.add("acme", "greenhouse", "e-2", "job_updated", {}, None)
    inbox.add("globex", "suite", "e-3", "rating.created", {}, None)
    assert reports.inbox_depth() == {"acme": {"dead": 1, "pending": 1}, "globex": {"pending": 1}}

    start = (math.floor(time.time() / 3600) + 1 - HOURS) * 3600.0  # now is in the last hour
    counts = reports.hourly_events(start, HOURS)
    assert counts == {
        "acme": ([0] * (HOURS - 1) + [2], [0] * (HOURS - 1) + [1]),
        "globex": ([0] * (HOURS - 1) + [1], [0] * HOURS),
    }
    assert reports.hourly_events(start + HOURS * 3600, HOURS) == {}  # all before the window

    [event] = reports.failing_events("acme", limit=20)
    assert (event.event_type, event.status, event.attempts) == ("job_created", "dead", 8)
    assert event.last_error == "HTTP 422: name is required"
    assert "payload" not in repr(event)
    assert reports.failing_events("globex", limit=20) == []
    assert reports.event_status(event.id) == "dead"
    assert reports.event_status(event.id + 1000) is None


def test_runs_and_failed_records(reports: Reports) -> None:
    journal = Journal(reports.engine, "acme")
    counts = {"created": 1, "updated": 0, "deleted": 0, "skipped": 0, "failed": 2}
    first = journal.start_run(["jobs"], full=True, trigger="sync")
    journal.finish_run(first, counts, error=None)
    widget = journal.start_run(["invite"], full=False, trigger="widget:invite")
    journal.finish_run(widget, {**counts, "failed": 0}, error=None)
    journal.record([AuditEntry(first, "jobs", "fail", "suite", "project", "12", None,
                               detail="HTTP 422: name is required")])  # fmt: skip

    last = reports.last_run("acme")
    assert last is not None and last.id == first  # a widget's run is not the tenant's sync
    assert (last.trigger, last.full, last.created, last.failed) == ("sync", True, 1, 2)
    assert [run.id for run in reports.failed_runs("acme", limit=20)] == [first]
    assert reports.last_run("globex") is None

    [record] = reports.failed_records("acme", limit=20)
    assert (record.flow, record.resource, record.ats_id, record.suite_id) == (
        "jobs", "project", "12", None,
    )  # fmt: skip
    assert record.detail == "HTTP 422: name is required"


def test_tokens_say_who_holds_one_and_until_when(reports: Reports) -> None:
    store = TokenStore(reports.engine, MultiFernet([Fernet(Fernet.generate_key())]))
    store.save("acme", "suite", Token("access-1", expires_at=1_717_171_717.0))
    store.save("acme", "ats", Token("access-2"))
    listed = reports.tokens()
    assert [(t.tenant, t.provider, t.expires_at) for t in listed] == [
        ("acme", "ats", None),
        ("acme", "suite", 1_717_171_717.0),
    ]
    assert "access" not in repr(listed)


def test_the_link_search_pages_and_takes_wildcards_literally(reports: Reports) -> None:
    links = LinkStore(reports.engine, "acme")
    for n in range(5):
        links.add("job", f"J{n}", f"p-{n}", written="suite", payload={})
    links.add("candidate", "50%_off", "c-1", written="suite", payload={})
    rows, total = reports.links("", limit=2, offset=0)
    assert total == 6 and [r.ats_id for r in rows] == ["50%_off", "J0"]
    rows, total = reports.links("", limit=2, offset=4)
    assert total == 6 and [r.ats_id for r in rows] == ["J3", "J4"]
    rows, total = reports.links("j", limit=10, offset=0)  # any case, ids and entity
    assert total == 5 and {r.entity for r in rows} == {"job"}
    rows, total = reports.links("%_", limit=10, offset=0)
    assert total == 1 and rows[0].suite_id == "c-1"
    assert reports.links("0%", limit=10, offset=0)[1] == 1  # only the literal "0%"
    assert (rows[0].tenant, rows[0].status) == ("acme", "active")
