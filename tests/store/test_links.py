"""The store on SQLite and PostgreSQL alike: migrations, links, cursors, tokens, and the\njournal (runs and audit)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy import Engine, func, inspect, select

from engine.store.inbox import Inbox
from engine.store.journal import AuditEntry, Journal
from engine.store.links import LinkConflict, LinkStore
from engine.store.migrate import current, head, upgrade
from engine.store.tables import audit, make_engine, metadata, sync_runs
from engine.store.tokens import Token, TokenStore


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def test_migrations_reach_head_and_match_the_tables(engine: Engine) -> None:
    assert current(engine) == head() == "0005"
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    upgrade(engine)  # a second upgrade is a no-op
    assert current(engine) == "0005"


def test_a_database_at_the_first_revision_upgrades_keeping_its_events(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0001")
        Inbox(engine).add("acme", "greenhouse", "e-1", "job_created", {"a": 1}, "ats:job:1")
        upgrade(engine)
        assert current(engine) == "0005"
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


def _entry(action: str, ats_id: str, detail: str = "") -> AuditEntry:
    return AuditEntry(None, "jobs", action, "suite", "project", ats_id, None, detail, at=1.0)


def _audit_rows(engine: Engine) -> list[tuple[str, str | None]]:
    with engine.connect() as conn:
        query = select(audit.c.action, audit.c.ats_id).order_by(audit.c.id)
        return [(row.action, row.ats_id) for row in conn.execute(query)]


def test_audit_entries_and_failures_found_again(engine: Engine) -> None:
    journal = Journal(engine, "acme")
    journal.record([_entry("fail", "7", "boom"), _entry("create", "8")])
    assert journal.failed_before("jobs", "ats", ["7", "8", "9"]) == {"7"}
    assert Journal(engine, "globex").failed_before("jobs", "ats", ["7"]) == set()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(audit)).scalar() == 2


def test_a_link_and_its_audit_entry_are_written_together(engine: Engine) -> None:
    store = LinkStore(engine, "acme")
    link = store.add(
        "job", 1, "prj_1", written="suite", payload={"n": 1}, audit=_entry("create", "1")
    )
    with pytest.raises(LinkConflict):  # refused: its entry is rolled back with it
        store.add("job", 1, "prj_2", written="suite", payload={}, audit=_entry("create", "1"))
    store.written(link, "suite", {"n": 2}, status="archived", audit=_entry("archive", "1"))
    assert store.lookup("job", "ats", [1])["1"].status == "archived"
    store.remove(link, audit=_entry("delete", "1"))
    assert store.lookup("job", "ats", [1]) == {}
    assert _audit_rows(engine) == [("create", "1"), ("archive", "1"), ("delete", "1")]


def test_runs_are_recorded_with_their_counts(engine: Engine) -> None:
    journal = Journal(engine, "acme")
    counts = {"created": 2, "updated": 0, "deleted": 0, "skipped": 1, "failed": 0}
    ok = journal.start_run(["jobs"], full=True, trigger="poll")
    assert journal.finish_run(ok, counts, error=None) == "ok"
    partial = journal.start_run(["jobs"], full=False, trigger="sync")
    assert journal.finish_run(partial, {**counts, "failed": 1}, error=None) == "partial"
    crashed = journal.start_run(["jobs"], full=False, trigger="sync")
    assert journal.finish_run(crashed, counts, error="RuntimeError: boom") == "failed"
    with engine.connect() as conn:
        rows = conn.execute(select(sync_runs).order_by(sync_runs.c.id)).all()
    assert [(r.trigger, r.status, r.created, r.failed) for r in rows] == [
        ("poll", "ok", 2, 0),
        ("sync", "partial", 2, 1),
        ("sync", "failed", 2, 0),
    ]
    assert all(r.finished_at is not None and r.tenant == "acme" for r in rows)


def test_tokens_round_trip_encrypted(engine: Engine) -> None:
    store = TokenStore(engine, MultiFernet([Fernet(Fernet.generate_key())]))
    store.save("acme", "suite", Token("a", 1.0, "r"))
    store.save("acme", "suite", Token("b", 2.0, "r2"))
    assert store.load("acme", "suite") == Token("b", 2.0, "r2")
    store.delete("acme", "suite")
    assert store.load("acme", "suite") is None


def test_workers_saving_a_first_token_at_once_all_succeed(engine: Engine) -> None:
    # each worker process fetches the tenant's first token itself: the saves race
    store = TokenStore(engine, MultiFernet([Fernet(Fernet.generate_key())]))
    start = threading.Barrier(8)

    def save(n: int) -> None:
        start.wait(timeout=10)
        store.save("acme", "suite", Token(f"t{n}", float(n), None))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(save, range(8)))  # raises what any save raised
    saved = store.load("acme", "suite")
    assert saved is not None and saved.access_token in {f"t{n}" for n in range(8)}


def test_partner_keys_are_kept_as_digests_and_revocable(engine: Engine) -> None:
    from sqlalchemy import select

    from engine.store.partner_keys import PartnerKeys
    from engine.store.tables import partner_keys

    keys = PartnerKeys(engine)
    key = keys.issue("acme", label="greenhouse")
    other = keys.issue("globex")
    assert key.startswith("cpk_") and len(key) > 40 and key != other
    assert (keys.tenant_of(key), keys.tenant_of(other)) == ("acme", "globex")
    assert keys.tenant_of(key + "x") is None and keys.tenant_of("") is None
    with engine.connect() as conn:
        stored = conn.execute(select(partner_keys.c.digest)).scalars().all()
    assert key not in " ".join(stored)  # only the digest is kept
    assert keys.revoke("acme") == 1
    assert keys.tenant_of(key) is None and keys.tenant_of(other) == "globex"
