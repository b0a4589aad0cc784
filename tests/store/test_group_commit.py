"""Group commit of webhook inserts, on a real SQLite file and the real PostgreSQL: the
inserts of concurrent requests share commits, each answer still tells its own event's
fate, one bad row fails alone, and a database that cannot store answers 503."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from engine.store.group_commit import GroupCommit
from engine.store.inbox import Inbox, NewEvent
from engine.store.migrate import upgrade
from engine.store.tables import inbox, make_engine
from engine.web.app import create_app
from engine.web.webhooks import webhook_routes
from simulators.serving import LoopbackServer
from simulators.world import World
from tests.commands.starter import closed_port
from tests.conftest import clean_postgres
from tests.web.test_webhooks import greenhouse_post


@contextmanager
def _inbox(url: str) -> Iterator[Inbox]:
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield Inbox(engine)
    finally:
        engine.dispose()  # no connection is left for the collector to warn of


def _event(key: str, tenant: str = "acme") -> NewEvent:
    body = {"action": "job_updated", "payload": {"job": {"id": 7}}}
    return NewEvent(tenant, "greenhouse", key, "job_updated", {"body": body}, "greenhouse:job:7")


def _rows(box: Inbox) -> int:
    with box.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(inbox)).scalar_one())


def test_concurrent_inserts_share_commits_and_each_learns_its_own_fate(
    database_url: str,
) -> None:
    async def deliver(commits: GroupCommit) -> list[bool]:
        keys = [f"evt-{i}" for i in range(200)] + ["evt-3", "seen-before"]  # two repeats
        return await asyncio.gather(*(commits.add(_event(key)) for key in keys))

    with _inbox(database_url) as box:
        assert box.add_many([_event("seen-before")]) == [True]
        commits = GroupCommit(box)
        answers = asyncio.run(deliver(commits))
        assert answers[:200] == [True] * 200
        assert answers[200:] == [False, False]  # a repeat in the same batch, and an old one
        assert _rows(box) == 201
    assert commits.batches < 20  # 202 requests, far fewer commits


def test_a_lone_event_is_committed_at_once(database_url: str) -> None:
    async def one(commits: GroupCommit) -> bool:
        return await asyncio.wait_for(commits.add(_event("alone")), timeout=5)

    with _inbox(database_url) as box:
        commits = GroupCommit(box)
        assert asyncio.run(one(commits)) is True
        assert (commits.batches, _rows(box)) == (1, 1)


def test_one_row_the_database_refuses_fails_alone(postgres_url: str) -> None:
    # PostgreSQL enforces the column's length (SQLite does not): a 200-character tenant
    # is refused, and must not take the 30 events committed with it down too
    clean_postgres(postgres_url)

    async def deliver(commits: GroupCommit) -> list[bool | BaseException]:
        events = [_event(f"ok-{i}") for i in range(30)]
        events.insert(11, _event("bad", tenant="t" * 200))
        return await asyncio.gather(*(commits.add(e) for e in events), return_exceptions=True)

    with _inbox(postgres_url) as box:
        answers = asyncio.run(deliver(GroupCommit(box)))
        assert isinstance(answers.pop(11), SQLAlchemyError)
        assert answers == [True] * 30
        assert _rows(box) == 30


def test_a_database_that_cannot_store_answers_503_to_retry_later(tmp_path: Path) -> None:
    with World(tmp_path) as world:
        runtime = world.runtime()
        gone = make_engine(f"postgresql+psycopg://127.0.0.1:{closed_port()}/test")
        app = create_app(runtime, worker=False)
        app.router.routes[:0] = webhook_routes(runtime, Inbox(gone))  # first: this one answers
        body = {"action": "job_created", "payload": {"job": {"id": 4000001}}}
        with LoopbackServer(app) as server:
            answer = greenhouse_post(server.url, world.hook_secret, body, "evt-unstorable")
        gone.dispose()
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"] == "5"
        assert "deliver it again" in answer.json()["error"]
        assert "psycopg" not in answer.text  # nothing of the inner workings
