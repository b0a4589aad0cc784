"""The store on SQLite and PostgreSQL alike: migrations, links, cursors, tokens, audit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy import Engine, func, inspect, select

from engine.store.inbox import Inbox
from engine.store.links import LinkStore
from engine.store.migrate import current, head, upgrade
from engine.store.tables import audit, make_engine, metadata
from engine.store.tokens import Token, TokenStore


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def test_migrations_reach_head_and_match_the_tables(engine: Engine) -> None:
    assert current(engine) == head() == "0002"
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    upgrade(engine)  # a second upgrade is a no-op
    assert current(engine) == "0002"


def test_a_database_at_the_first_revision_upgrades_keeping_its_events(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0001")
        Inbox(engine).add("acme", "greenhouse", "e-1", "job_created", {"a": 1}, "ats:job:1")
        upgrade(engine)
        assert current(engine) == "0002"
        with engine.connect() as conn:
            indexes = {i["name"] for i in inspect(conn).get_indexes("inbox")}
        assert "ix_inbox_received" in indexes
        assert Inbox(engine).depth() == {"pending": 1}
    finally:
        engine.dispose()


def test_links_are_unique_on_both_sides_per_tenant(engine: Engine) -> None:
    store = LinkStore(engine, "acme")
    store.add("job", 101, "prj_1", written="suite", payload={"name": "A"})
    for ats_id, suite_id in ((101, "prj_2"), (102, "prj_1")):
        with pytest.raises(Exception, match="already linked"):
            store.add("job", ats_id, suite_id, written="suite", payload={})
    LinkStore(engine, "globex").add(
        "job", 101, "prj_1", written="suite", payload={}
    )  # other tenant
    store.add("application", 101, "prj_1", written="suite", payload={})  # other entity


def test_lookups_are_batched_and_keep_id_types(engine: Engine) -> None:
    store = LinkStore(engine, "acme")
    for i in range(1200):  # more than one IN (...) chunk
        store.add("job", i, f"prj_{i}", written="suite", payload={"n": i})
    found = store.lookup("job", "ats", [5, "6", 1199, 5000])
    assert sorted(found) == ["1199", "5", "6"]
    assert found["5"].id_on("ats") == 5 and found["5"].id_on("suite") == "prj_5"
    assert store.lookup("job", "suite", ["prj_7"])["prj_7"].ats_id == "7"
    assert found["5"].suite_payload == {"n": 5} and found["5"].fingerprint


def test_written_payloads_merge_and_refingerprint(engine: Engine) -> None:
    store = LinkStore(engine, "acme")
    link = store.add("job", 1, "prj_1", written="suite", payload={"name": "A", "status": "x"})
    store.written(link, "suite", {"name": "B"})
    again = store.lookup("job", "ats", [1])["1"]
    assert again.suite_payload == {"name": "B", "status": "x"}
    assert again.fingerprint != link.fingerprint


def test_cursors_upsert(engine: Engine) -> None:
    store = LinkStore(engine, "acme")
    assert store.cursor("flow:jobs") is None
    store.set_cursor("flow:jobs", "2026-01-01T00:00:00.000000Z")
    store.set_cursor("flow:jobs", "2026-02-01T00:00:00.000000Z")
    assert store.cursor("flow:jobs") == "2026-02-01T00:00:00.000000Z"


def test_audit_entries_and_failures_found_again(engine: Engine) -> None:
    store = LinkStore(engine, "acme")
    row = {
        "run_id": None,
        "at": 1.0,
        "flow": "jobs",
        "side": "suite",
        "resource": "project",
        "suite_id": None,
    }
    store.audit([{**row, "action": "fail", "ats_id": "7", "detail": "boom"},
                 {**row, "action": "create", "ats_id": "8", "detail": ""}])  # fmt: skip
    assert store.failed_before("jobs", "ats", ["7", "8", "9"]) == {"7"}
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(audit)).scalar() == 2


def test_tokens_round_trip_encrypted(engine: Engine) -> None:
    store = TokenStore(engine, MultiFernet([Fernet(Fernet.generate_key())]))
    store.save("acme", "suite", Token("a", 1.0, "r"))
    store.save("acme", "suite", Token("b", 2.0, "r2"))
    assert store.load("acme", "suite") == Token("b", 2.0, "r2")
    store.delete("acme", "suite")
    assert store.load("acme", "suite") is None
