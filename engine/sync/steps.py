"""Steps and summaries: what a sync did (or, in a plan, would do), record by record.

    >>> summary = Summary([Step("create", "jobs_to_projects", "12", "prj_1", "name, status")])
    >>> summary.counts
    {'created': 1, 'updated': 0, 'deleted': 0, 'skipped': 0, 'failed': 0}

``collecting()`` gathers the steps of the work done inside it, even while other work
runs on the same engine (a worker uses it to judge one event by its own steps):

    with collecting() as steps:
        await sync.sync_record("jobs_to_projects", 12)
    failed = [s for s in steps if s.action == "fail"]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from engine.errors import ConnectorError, UpstreamError, unavailable
from engine.store.links import key

# A context variable, not an attribute: tasks started inside ``collecting()`` inherit
# the list, tasks of other events running meanwhile do not.
_STEPS: ContextVar[list[Step] | None] = ContextVar("steps", default=None)


@dataclass
class Step:
    """One decision: what a sync does (or, in a plan, would do) to one record."""

    action: str  # create, update, delete, archive, action, skip, fail
    flow: str
    source_id: str
    target_id: str | None = None
    detail: str = ""
    source: Any = field(default=None, repr=False, compare=False)
    """The id as the source API gave it, to try again."""
    transient: bool = field(default=False, repr=False, compare=False)
    """A failure worth another try: a timeout, a 429 or a 5xx."""
    unavailable: bool = field(default=False, repr=False, compare=False)
    """The other side is down or busy for now (no answer, a 503, a 429), not refusing
    this record: the work waits for it instead of failing."""


@dataclass
class Summary:
    steps: list[Step] = field(default_factory=list)
    run_id: int | None = None

    def count(self, action: str) -> int:
        return sum(1 for s in self.steps if s.action == action)

    @property
    def counts(self) -> dict[str, int]:
        names = ("created", "updated", "deleted", "skipped", "failed")
        actions = ("create", "update", "delete", "skip", "fail")
        counts = {n: self.count(a) for n, a in zip(names, actions, strict=True)}
        counts["updated"] += self.count("action")
        counts["deleted"] += self.count("archive")
        return counts

    @property
    def failures(self) -> list[Step]:
        return [s for s in self.steps if s.action == "fail"]


@contextmanager
def collecting() -> Iterator[list[Step]]:
    """The steps taken inside the block (and in the tasks it starts)."""
    steps: list[Step] = []
    token = _STEPS.set(steps)
    try:
        yield steps
    finally:
        _STEPS.reset(token)


def collect(step: Step) -> None:
    """Hand a step to the ``collecting()`` block it was taken in, if any."""
    mine = _STEPS.get()
    if mine is not None:
        mine.append(step)


def failure(name: str, sid: str, target: Any, exc: ConnectorError, source: Any) -> Step:
    """The failed step for ``exc``; transient for a timeout, a 408, a 429 or a 5xx."""
    status = exc.status if isinstance(exc, UpstreamError) else 0
    transient = isinstance(exc, UpstreamError) and (
        status is None or status in (408, 429) or status >= 500
    )
    target_id = key(target) if target is not None else None
    return Step("fail", name, sid, target_id, exc.message, source, transient, unavailable(exc))


LISTING = "(listing)"  # the source id of a step that failed a flow's listing, not a record


def listing_failed(name: str, exc: ConnectorError) -> Step:
    """Flow ``name``'s listing stopped part way, its client's retries spent: the flow
    fails, not the run. Not for the run's retry passes (they retry records): the next run
    lists again. A 429 or 503 marks it unavailable, so that a worker's poll defers."""
    step = failure(name, LISTING, None, exc, None)
    step.transient = False
    return step


def fields(payload: Mapping[str, Any]) -> str:
    """The detail of a write: the names of the fields it sent, sorted."""
    return ", ".join(sorted(payload))
