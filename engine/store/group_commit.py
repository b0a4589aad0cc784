"""Group commit: the inserts of concurrent webhooks share one transaction.

A commit costs far more than the row it writes, so each webhook committing alone spends
most of its time committing. Here the webhooks that arrive while a commit is under way
wait for the next one, which stores them all in one insert; each request is still
answered only once its own event is committed, so a 2xx keeps meaning "stored".

    commits = GroupCommit(inbox)
    stored = await commits.add(NewEvent("acme", "greenhouse", "evt-1", "job_updated", body))

There is no timer: a lone webhook is committed at once, and batches grow only as far
as the load makes them. On PostgreSQL the commit runs in a thread, so the event loop
goes on reading and verifying requests while it waits on the server. On SQLite it runs
on the loop: a commit there is a short stretch of CPU under the GIL (WAL,
synchronous=NORMAL), which a thread only made contended (``python -m bench webhooks``,
alternating runs: 0.31 to 0.38 of bare Starlette in a thread, 0.33 to 0.45 on the loop);
the requests that became readable meanwhile form the next batch. If a batch fails, its
events are tried one by one, so that one bad row is refused alone instead of taking the
others with it.
"""

from __future__ import annotations

import asyncio
import logging

from engine.store.inbox import Inbox, NewEvent

log = logging.getLogger("connector.inbox")

MAX_BATCH = 500  # rows per insert; a larger backlog goes in several


class GroupCommit:
    def __init__(self, inbox: Inbox, *, max_batch: int = MAX_BATCH) -> None:
        self.inbox = inbox
        self.max_batch = max_batch
        self._waiting: list[tuple[NewEvent, asyncio.Future[bool]]] = []
        self._committing: asyncio.Task[None] | None = None
        self.batches = 0  # commits made, for the benchmark and the tests
        self._on_loop = inbox.engine.dialect.name == "sqlite"

    async def add(self, event: NewEvent) -> bool:
        """Store ``event`` with whatever else is waiting; True once it is committed as
        new, False for a duplicate. Raises what the database raised for it."""
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((event, answer))
        if self._committing is None:
            self._committing = asyncio.create_task(self._commit_all())
        return await answer

    async def _commit_all(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self.max_batch]
                del self._waiting[: self.max_batch]
                await self._commit(batch)
        finally:
            self._committing = None

    async def _commit(self, batch: list[tuple[NewEvent, asyncio.Future[bool]]]) -> None:
        events = [event for event, _ in batch]
        self.batches += 1
        try:
            if self._on_loop:
                answers = self.inbox.add_many(events)
            else:
                answers = await asyncio.to_thread(self.inbox.add_many, events)
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0][1], exc)
                return
            log.warning("a batch of %d events failed (%s); storing them one by one",
                        len(batch), type(exc).__name__)  # fmt: skip
            for one in batch:  # only the row at fault fails; the rest are stored
                await self._commit([one])
            return
        for (_, future), stored in zip(batch, answers, strict=True):
            if not future.done():  # a request whose client went away no longer waits
                future.set_result(stored)


def _settle(future: asyncio.Future[bool], exc: Exception) -> None:
    if not future.done():
        future.set_exception(exc)
