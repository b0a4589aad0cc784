"""The inbox: every acknowledged event, stored before the 2xx, processed by workers.

Deduplication is the insert itself (unique on tenant, source and event id), in the
same transaction as the write, so an event posted 500 times at once is stored once.
Workers claim rows with a lease; a killed worker's rows are taken over once the lease
expires. Failures back off exponentially and end in the ``dead`` state, visible and
retryable with ``connector inbox``. Rows about the same record are claimed in order.

An event that could not be worked because the other side was unavailable (a 503, a 429,
no answer) is deferred instead: it waits a short while and comes back, and the claim
does not count towards dead-lettering, so an outage of any length delays work without
losing it. Only an event deferred for longer than ``DEFER_LIMIT`` fails as usual.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, delete, exists, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Insert

from engine.store.notify import CHANNEL, notifies
from engine.store.tables import inbox

log = logging.getLogger("connector.inbox")

# How long a claimed event is a worker's; a killed worker's events return after it.
LEASE = float(os.environ.get("CONNECTOR_INBOX_LEASE", "60"))
MAX_ATTEMPTS = 8
BACKOFF_CAP = 3600.0
KEEP_DONE = 7 * 86400.0  # processed ids are kept this long for deduplication
DEFER_CAP = float(os.environ.get("CONNECTOR_DEFER_CAP", "10"))  # longest wait between tries
DEFER_LIMIT = 86400.0  # an event deferred for longer than this (since received) fails


@dataclass(frozen=True)
class Event:
    id: int
    tenant: str
    source: str
    dedup_key: str
    event_type: str
    record_key: str | None
    payload: dict[str, Any]
    attempts: int
    status: str
    last_error: str | None
    deferrals: int = 0
    received_at: float = 0.0

    @property
    def failures(self) -> int:
        """The claims that failed: the deferred ones do not count."""
        return self.attempts - self.deferrals


def _event(row: Any) -> Event:
    return Event(
        row.id, row.tenant, row.source, row.dedup_key, row.event_type, row.record_key,
        json.loads(row.payload), row.attempts, row.status, row.last_error, row.deferrals,
        row.received_at,
    )  # fmt: skip


@dataclass(frozen=True)
class NewEvent:
    """An event as received, before the inbox numbers it."""

    tenant: str
    source: str
    dedup_key: str
    event_type: str
    payload: dict[str, Any]
    record_key: str | None = None

    def row(self, now: float) -> dict[str, Any]:
        """The inbox row: pending and due now; the keys cut to their columns' lengths."""
        return {
            "tenant": self.tenant, "source": self.source, "dedup_key": self.dedup_key[:255],
            "event_type": self.event_type[:200], "status": "pending",
            "record_key": None if self.record_key is None else self.record_key[:300],
            "payload": json.dumps(self.payload), "attempts": 0, "next_attempt_at": now,
            "received_at": now,
        }  # fmt: skip


def _insert(engine: Engine) -> Insert:
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    # RETURNING says which rows went in (a duplicate returns nothing); rowcount does not
    # on every driver, nor for a batch
    returned = (inbox.c.tenant, inbox.c.source, inbox.c.dedup_key)
    return dialect.insert(inbox).on_conflict_do_nothing().returning(*returned)  # type: ignore[no-any-return]


class Inbox:
    def __init__(self, engine: Engine, *, lease: float = LEASE) -> None:
        self.engine = engine
        self.lease = lease  # how long a claim holds an event unless it is extended
        self._insert = _insert(engine)  # built once: a webhook's hot path is this insert
        self._listeners: list[Callable[[], None]] = []
        self._notify = text(f"NOTIFY {CHANNEL}") if notifies(engine) else None

    def listen(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` each time this object has stored a new event, from the
        thread that stored it: the worker of the same process is woken at once instead
        of at its next look. (On PostgreSQL the store also notifies the workers of other
        processes: ``engine.store.notify``.)"""
        self._listeners.append(callback)

    def add(
        self,
        tenant: str,
        source: str,
        dedup_key: str,
        event_type: str,
        payload: dict[str, Any],
        record_key: str | None = None,
    ) -> bool:
        """Store an event; False when it was stored before (a duplicate delivery)."""
        return self.add_many(
            [NewEvent(tenant, source, dedup_key, event_type, payload, record_key)]
        )[0]

    def add_many(self, events: Sequence[NewEvent]) -> list[bool]:
        """Store events in one transaction, one insert; for each, whether it went in
        (False: it was stored before, or earlier in ``events``). All or none commit."""
        now = time.time()
        rows = [event.row(now) for event in events]
        with self.engine.begin() as conn:
            stored = {tuple(row) for row in conn.execute(self._insert, rows)} if rows else set()
            if stored and self._notify is not None:  # sent at the commit: wakes other workers
                conn.execute(self._notify)
        answers = []
        for row in rows:
            identity = (row["tenant"], row["source"], row["dedup_key"])
            answers.append(identity in stored)
            stored.discard(identity)  # the same event twice in one batch went in once
        if any(answers):
            for listener in self._listeners:
                try:
                    listener()
                except Exception:  # the events are stored: a listener's trouble is its own
                    log.exception("an inbox listener failed")
        return answers

    def claim(self, worker: str, limit: int = 20, *, now: float | None = None) -> list[Event]:
        """Lease up to ``limit`` due events, the oldest of each record only."""
        now = time.time() if now is None else now
        earlier = inbox.alias("earlier")
        blocked = exists().where(
            earlier.c.tenant == inbox.c.tenant,
            earlier.c.record_key == inbox.c.record_key,
            earlier.c.id < inbox.c.id,
            earlier.c.status.in_(("pending", "processing")),
        )
        due = (
            select(inbox.c.id)
            .where(
                inbox.c.status.in_(("pending", "processing")),
                inbox.c.next_attempt_at <= now,
                (inbox.c.lease_until.is_(None)) | (inbox.c.lease_until < now),
                (inbox.c.record_key.is_(None)) | ~blocked,
            )
            .order_by(inbox.c.id)
            .limit(limit)
        )
        if self.engine.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True, of=inbox)
        with self.engine.begin() as conn:
            ids = list(conn.execute(due).scalars())
            if not ids:
                return []
            conn.execute(
                update(inbox)
                .where(inbox.c.id.in_(ids))
                .values(
                    status="processing", lease_until=now + self.lease, attempts=inbox.c.attempts + 1
                )
            )
            rows = conn.execute(select(inbox).where(inbox.c.id.in_(ids)).order_by(inbox.c.id))
            return [_event(row) for row in rows]

    def extend(self, held: Mapping[int, int], *, now: float | None = None) -> int:
        """Renew the lease of events still being processed (``{event id: its epoch}``), so
        that a batch that runs long keeps them instead of handing them to another worker
        mid-way. An event claimed again since (a later epoch) is not renewed."""
        until = (time.time() if now is None else now) + self.lease
        renewed = 0
        with self.engine.begin() as conn:
            for event_id, epoch in held.items():
                result = conn.execute(
                    update(inbox)
                    .where(
                        inbox.c.id == event_id,
                        inbox.c.status == "processing",
                        inbox.c.attempts == epoch,
                    )
                    .values(lease_until=until)
                )
                renewed += int(result.rowcount or 0)
        return renewed

    def holds(self, event: Event) -> bool:
        """Whether the claim that handed out ``event`` still stands (same epoch)."""
        query = select(inbox.c.id).where(
            inbox.c.id == event.id, inbox.c.status == "processing",
            inbox.c.attempts == event.attempts,
        )  # fmt: skip
        with self.engine.connect() as conn:
            return conn.execute(query).first() is not None

    def done(self, event: Event) -> bool:
        """Mark the event done; False when the lease was lost: another worker claimed it
        since (its epoch, the claim count, moved on), so this late word is fenced off."""
        return (
            self._settle(event, status="done", processed_at=time.time(), last_error=None) == "done"
        )

    def failed(self, event: Event, error: str, *, now: float | None = None) -> str:
        """Back off, or dead-letter after MAX_ATTEMPTS failures; returns the new status
        (``fenced`` when another worker has claimed the event since)."""
        now = time.time() if now is None else now
        failures = event.failures
        status = "dead" if failures >= MAX_ATTEMPTS else "pending"
        wait = min(BACKOFF_CAP, 2.0**failures)
        return self._settle(event, status=status, next_attempt_at=now + wait,
                            last_error=error[:2000])  # fmt: skip

    def defer(self, event: Event, reason: str, *, now: float | None = None) -> str:
        """Put the event back for a try soon, the claim not counted as a failure:
        ``deferred``, or ``fenced``. An event deferred for longer than DEFER_LIMIT
        fails instead (its status is then what ``failed`` returns)."""
        now = time.time() if now is None else now
        if now - event.received_at > DEFER_LIMIT:
            return self.failed(event, f"unavailable for over {DEFER_LIMIT / 3600:.0f} h: {reason}")
        wait = min(DEFER_CAP, 2.0 ** min(event.deferrals, 10)) * random.uniform(0.5, 1.0)
        settled = self._settle(event, status="pending", next_attempt_at=now + wait,
                               last_error=f"deferred: {reason}"[:2000],
                               deferrals=inbox.c.deferrals + 1)  # fmt: skip
        return "deferred" if settled == "pending" else settled

    def _settle(self, event: Event, *, status: str, **values: Any) -> str:
        """End ``event``'s claim with ``status``, unless a later claim holds it."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(inbox)
                # never undo a done, nor overwrite a later claim's (a later epoch's) state
                .where(
                    inbox.c.id == event.id,
                    inbox.c.status == "processing",
                    inbox.c.attempts == event.attempts,
                )
                .values(status=status, lease_until=None, **values)
            )
        return status if result.rowcount else "fenced"

    def retry(self, tenant: str | None = None, ids: list[int] | None = None) -> int:
        """Put dead events back in the queue."""
        query = update(inbox).where(inbox.c.status == "dead")
        if tenant:
            query = query.where(inbox.c.tenant == tenant)
        if ids:
            query = query.where(inbox.c.id.in_(ids))
        with self.engine.begin() as conn:
            return int(
                conn.execute(
                    query.values(
                        status="pending", attempts=0, deferrals=0, next_attempt_at=time.time()
                    )
                ).rowcount
            )

    def purge(self, *, status: str = "done", older_than: float = KEEP_DONE) -> int:
        """Delete events in ``status`` older than ``older_than`` seconds (default: done, 7 days)."""
        cutoff = time.time() - older_than
        with self.engine.begin() as conn:
            query = delete(inbox).where(
                and_(inbox.c.status == status, inbox.c.received_at < cutoff)
            )
            return int(conn.execute(query).rowcount)

    def list(
        self, tenant: str | None = None, status: str | None = None, limit: int = 100
    ) -> Iterator[Event]:
        query = select(inbox).order_by(inbox.c.id.desc()).limit(limit)
        if tenant:
            query = query.where(inbox.c.tenant == tenant)
        if status:
            query = query.where(inbox.c.status == status)
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                yield _event(row)

    def depth(self) -> dict[str, int]:
        query = select(inbox.c.status, func.count()).group_by(inbox.c.status)
        with self.engine.connect() as conn:
            return {status: int(n) for status, n in conn.execute(query)}
