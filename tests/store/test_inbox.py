"""The inbox on SQLite and PostgreSQL: dedup, leases, order per record, backoff, dead letters."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from engine.store.inbox import LEASE, MAX_ATTEMPTS, Inbox
from engine.store.migrate import upgrade
from engine.store.tables import make_engine


@pytest.fixture
def inbox(database_url: str) -> Iterator[Inbox]:
    engine: Engine = make_engine(database_url)
    upgrade(engine)
    yield Inbox(engine)
    engine.dispose()


def test_a_duplicate_is_not_stored_twice(inbox: Inbox) -> None:
    assert inbox.add("acme", "greenhouse", "e-1", "job_created", {"a": 1}, "ats:job:1")
    assert not inbox.add("acme", "greenhouse", "e-1", "job_created", {"a": 1}, "ats:job:1")
    assert inbox.add("acme", "lever", "e-1", "job_created", {}, None)  # another source
    assert inbox.add("globex", "greenhouse", "e-1", "job_created", {}, None)  # another tenant
    assert inbox.depth() == {"pending": 3}


def test_events_of_one_record_are_handed_out_in_order(inbox: Inbox) -> None:
    for i in range(3):
        inbox.add(
            "acme", "greenhouse", f"e-{i}", "application_updated", {"n": i}, "ats:application:7"
        )
    inbox.add("acme", "greenhouse", "other", "job_created", {}, "ats:job:1")
    first = inbox.claim("w1")
    assert [e.dedup_key for e in first] == ["e-0", "other"]  # one per record at a time
    assert inbox.claim("w2") == []  # e-1 waits for e-0; the rest are leased
    inbox.done(first[0])
    assert [e.dedup_key for e in inbox.claim("w2")] == ["e-1"]


def test_a_lease_that_ends_gives_the_event_to_another_worker(inbox: Inbox) -> None:
    inbox.add("acme", "greenhouse", "e-1", "job_created", {}, None)
    [event] = inbox.claim("killed-worker")
    assert inbox.claim("other") == []
    [again] = inbox.claim("other", now=time.time() + LEASE + 1)
    assert again.id == event.id and again.attempts == 2


def test_failures_back_off_then_dead_letter_then_retry(inbox: Inbox) -> None:
    inbox.add("acme", "greenhouse", "e-1", "job_created", {}, None)
    now = time.time()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        [event] = inbox.claim("w", now=now)
        assert event.attempts == attempt
        status = inbox.failed(event, "suite down", now=now)
        assert inbox.claim("w", now=now) == []  # backing off
        now += 2.0**attempt + 1
    assert status == "dead" and inbox.depth() == {"dead": 1}
    assert [e.last_error for e in inbox.list(status="dead")] == ["suite down"]
    assert inbox.retry("acme") == 1
    assert [e.attempts for e in inbox.claim("w")] == [1]


def test_purge_keeps_recent_done_events(inbox: Inbox) -> None:
    inbox.add("acme", "greenhouse", "e-1", "job_created", {}, None)
    [event] = inbox.claim("w")
    inbox.done(event)
    assert inbox.purge() == 0  # kept 7 days for deduplication
    assert inbox.purge(older_than=-1) == 1


def test_a_worker_paused_past_its_lease_is_fenced_off(inbox: Inbox) -> None:
    """Each claim is an epoch: once another worker claimed the event again, the first
    one's late done, failure or lease renewal changes nothing (SQLite and PostgreSQL)."""
    assert inbox.add("acme", "greenhouse", "e-1", "job_created", {"a": 1}, "ats:job:1")
    now = time.time()
    (paused,) = inbox.claim("a", now=now)
    (later,) = inbox.claim("b", now=now + inbox.lease + 1)  # a's lease ran out: b has it
    assert (paused.attempts, later.attempts) == (1, 2)
    assert inbox.extend({paused.id: paused.attempts}, now=now + inbox.lease + 2) == 0
    assert inbox.done(paused) is False  # a wakes up and reports: fenced
    assert inbox.failed(paused, "late") == "fenced"
    assert inbox.depth() == {"processing": 1}
    assert inbox.done(later) is True
    assert inbox.depth() == {"done": 1}
