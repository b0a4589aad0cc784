"""Writers: the plan writer lists changes and writes nothing; a plan's new records get
a placeholder id that the refs to them use."""

from __future__ import annotations

import asyncio
from pathlib import Path

from engine.dsl.loader import load_ats, load_suite
from engine.paths import MAPPINGS_DIR
from engine.store.journal import Journal
from engine.store.links import LinkStore
from engine.store.migrate import upgrade
from engine.store.tables import make_engine
from engine.sync import Change, PlanWriter, Step


def test_a_plan_lists_each_create_once_and_gives_it_a_placeholder(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'plan.db'}")
    upgrade(engine)
    spec = load_ats(MAPPINGS_DIR / "ats" / "greenhouse.yaml", load_suite())
    flow = spec.sync["jobs_to_projects"]
    links = LinkStore(engine, "acme")
    writer = PlanWriter({}, links, Journal(engine, "acme"))  # no clients: it calls no API
    change = Change("create", "jobs_to_projects", flow, 12, {"name": "Engineer"})

    assert writer.planned("jobs_to_projects", "12") is None
    first = asyncio.run(writer.write(change))
    assert first == Step("create", "jobs_to_projects", "12", None, "name")
    assert writer.planned("jobs_to_projects", "12") == "(new project)"
    assert asyncio.run(writer.write(change)) is None  # met again as a ref: listed once
    assert writer.start_run(["jobs_to_projects"], full=False, trigger="plan") is None
    writer.set_cursor("jobs_to_projects", "2026-01-01T00:00:00.000000Z")
    assert list(links.all()) == [] and links.cursor("flow:jobs_to_projects") is None
    engine.dispose()


def test_a_create_answered_with_no_body_is_linked_once(tmp_path: Path) -> None:
    """A 201 without a body (some APIs answer a new comment so): a record that is only
    ever created gets a stand-in id, so a rerun does not write it again."""
    from engine.sync import LiveWriter
    from simulators.kit.serving import LoopbackServer
    from tests.client.conftest import client_for
    from tests.client.testapi import create_app

    engine = make_engine(f"sqlite:///{tmp_path / 'live.db'}")
    upgrade(engine)
    flow = load_ats(MAPPINGS_DIR / "ats" / "greenhouse.yaml", load_suite()).sync["ratings_to_notes"]
    api = create_app()
    with LoopbackServer(api) as server:
        note = {"note": {"endpoints": {"create": {"path": "/empty/201"}}}}
        links = LinkStore(engine, "acme")
        change = Change("create", "ratings_to_notes", flow, "r_1", {"body": "rated 4/5"})

        async def write() -> Step | None:
            async with client_for(server.url, {"auth": {"type": "none"}}, note) as client:
                writer = LiveWriter({"ats": client}, links, Journal(engine, "acme"))
                return await writer.write(change)

        step = asyncio.run(write())
    assert step is not None and step.action == "create" and step.target_id == "unanswered:r_1"
    assert api.state.api.hits["empty"] == 1
    (link,) = links.all()
    assert (link.ats_id, link.suite_id) == ("unanswered:r_1", "r_1")
    engine.dispose()


def test_a_live_write_is_refused_once_the_event_is_no_longer_this_workers(
    tmp_path: Path,
) -> None:
    """The worker's guard says whether it still holds the event; a live write checks it
    first, so a worker that lost its lease writes nothing."""
    import pytest

    from engine.sync import LiveWriter
    from engine.sync.writers import WRITE_GUARD, Fenced

    engine = make_engine(f"sqlite:///{tmp_path / 'fence.db'}")
    upgrade(engine)
    flow = load_ats(MAPPINGS_DIR / "ats" / "greenhouse.yaml", load_suite()).sync["jobs_to_projects"]
    writer = LiveWriter({}, LinkStore(engine, "acme"), Journal(engine, "acme"))  # no clients
    change = Change("create", "jobs_to_projects", flow, 12, {"name": "Engineer"})
    token = WRITE_GUARD.set(lambda: False)
    try:
        with pytest.raises(Fenced, match="another worker holds it"):
            asyncio.run(writer.write(change))
    finally:
        WRITE_GUARD.reset(token)
    assert list(LinkStore(engine, "acme").all()) == []
    engine.dispose()
