"""Arbitrary API answers never crash a sync, and lose or double nothing once the APIs
answer well again.

A proxy on loopback stands between Connector and one simulator, and for each example
mangles the JSON it passes on: a whole body replaced, a record replaced, a field
dropped, or a field given a value of another type. On the Greenhouse side it mangles
reads; on the suite's, the answers to writes as well (the write was made, its answer
is garbage: a lost answer by another name). Each sync run must return its summary (a bad
answer is a failed step, never an exception out of the run) and must never hold a
record twice. When the proxy stops mangling, one more run brings every application in,
once each.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine.store.links import LinkStore
from engine.sync import SyncEngine
from engine.sync import engine as sync_engine
from engine.tenants import Runtime
from simulators.kit.serving import LoopbackServer
from simulators.world import TENANT, World

JOBS, PER_JOB = 2, 3
Mangle = Callable[[Any], Any]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                  max_size=3),
    max_leaves=8,
)  # fmt: skip


def _records(body: Any) -> list[dict[str, Any]]:
    """The record objects of a Greenhouse answer: a list of them, or one."""
    if isinstance(body, list):
        return [r for r in body if isinstance(r, dict)]
    return [body] if isinstance(body, dict) else []


@st.composite
def mangles(draw: st.DrawFn) -> Mangle:
    """One way to spoil an answer, applied to every read while the example runs."""
    kind = draw(st.sampled_from(["body", "record", "drop", "retype"]))
    value = draw(json_values)
    field = draw(st.sampled_from(["id", "name", "status", "job_id", "jobs", "candidate_id",
                                  "current_stage", "updated_at", "first_name", "email_addresses",
                                  "applications", "candidate"]))  # fmt: skip
    nth = draw(st.integers(min_value=0, max_value=5))

    def mangle(body: Any) -> Any:
        if kind == "body":
            return value
        records = _records(body)
        if not records:
            return body
        target = records[nth % len(records)]
        if kind == "record" and isinstance(body, list):
            return [value if r is target else r for r in body]
        if kind == "drop":
            target.pop(field, None)
        elif kind == "retype" and field in target:
            target[field] = value
        return body

    return mangle


class Mangler:
    """A reverse proxy to ``upstream`` that mangles, with ``self.mangle`` while one is
    set, the JSON of successful answers to ``methods`` under ``prefix``."""

    def __init__(self, upstream: str, *, prefix: str = "/", methods: tuple[str, ...] = ("GET",)):
        self.upstream = upstream
        self.prefix = prefix
        self.methods = methods
        self.mangle: Mangle | None = None
        self.mangled = 0
        self.app = Starlette(routes=[Route("/{path:path}", self.forward,
                                           methods=["GET", "POST", "PUT", "PATCH", "DELETE"])])  # fmt: skip

    async def forward(self, request: Request) -> Response:
        headers = {k: v for k, v in request.headers.items() if k not in ("host", "content-length")}
        async with httpx.AsyncClient(base_url=self.upstream, timeout=30) as http:
            answer = await http.request(request.method, request.url.path,
                                        params=list(request.query_params.multi_items()),
                                        headers=headers, content=await request.body())  # fmt: skip
        body: bytes = answer.content
        wanted = request.method in self.methods and request.url.path.startswith(self.prefix)
        if self.mangle is not None and wanted and answer.is_success:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            if parsed is not None:
                body = json.dumps(self.mangle(parsed)).encode()
                self.mangled += 1
        kept = {k: v for k, v in answer.headers.items()
                if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")}  # fmt: skip
        return Response(body, status_code=answer.status_code, headers=kept)


@contextmanager
def _proxied(
    directory: Path, side: str, **mangler: Any
) -> Iterator[tuple[World, Mangler, Runtime]]:
    """A world whose ``side`` (greenhouse or suite) Connector reaches through a Mangler."""
    with pytest.MonkeyPatch.context() as patch, World(directory) as world:
        # a broken answer counts as transient: the run's retry passes need not wait long
        patch.setattr(sync_engine, "RETRY_DELAY", 0.01)
        world.greenhouse.seed_data(jobs=JOBS, applications_per_job=PER_JOB, job_status="open",
                                   stage_name="Video Interview", status="in_process")  # fmt: skip
        server = world.greenhouse_server if side == "greenhouse" else world.suite_server
        upstream = server.url
        proxy = Mangler(upstream, **mangler)
        with LoopbackServer(proxy.app) as front:
            config = world.config_path.read_text(encoding="utf-8")
            if side == "greenhouse":
                changed = config.replace(upstream, front.url)
            else:  # the API only: OAuth and the public pages stay the suite's own
                changed = config.replace(f"base_url: {upstream}/", f"base_url: {front.url}/")
            assert changed != config
            world.config_path.write_text(changed, encoding="utf-8")
            yield world, proxy, world.runtime()


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, Mangler, Runtime]]:
    with _proxied(tmp_path_factory.mktemp("answers"), "greenhouse") as found:
        yield found


@pytest.fixture(scope="module")
def suite_proxied(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[World, Mangler, Runtime]]:
    methods = ("GET", "POST", "PATCH", "PUT")
    with _proxied(
        tmp_path_factory.mktemp("suite"), "suite", prefix="/api/", methods=methods
    ) as found:
        yield found


def _sync(runtime: Runtime, *, full: bool) -> dict[str, int]:
    engine = SyncEngine(runtime.tenant(TENANT), runtime.engine)
    return asyncio.run(engine.run(full=full)).counts


def _mangled_run(proxied: tuple[World, Mangler, Runtime], mangle: Mangle, full: bool) -> None:
    world, mangler, runtime = proxied
    mangler.mangle, before = mangle, mangler.mangled
    try:
        counts = _sync(runtime, full=full)  # returns: whatever the answers were
    finally:
        mangler.mangle = None
    assert mangler.mangled > before  # the answers were mangled
    assert set(counts) == {"created", "updated", "deleted", "skipped", "failed"}
    _never_twice(world)


def _never_twice(world: World) -> None:
    company = world.company
    for kind in (company.projects, company.candidates, company.invitations):
        held = Counter(r.get("external_id") for r in kind.values())
        assert max(held.values(), default=1) == 1, held


def _all_once(proxied: tuple[World, Mangler, Runtime]) -> None:
    world, _, runtime = proxied
    for full in (True, False):
        counts = _sync(runtime, full=full)
    assert counts["failed"] == 0, counts
    expected = {str(a["id"]) for a in world.greenhouse.applications.values()}
    invitations = Counter(i["external_id"] for i in world.company.invitations.values())
    assert set(invitations) == expected and max(invitations.values()) == 1
    projects = Counter(p["external_id"] for p in world.company.projects.values())
    assert len(projects) == JOBS and max(projects.values()) == 1


@settings(max_examples=20, deadline=None)
@given(mangle=mangles(), full=st.booleans())
def test_a_mangled_ats_answer_is_a_failed_step_never_a_crash(
    proxied: tuple[World, Mangler, Runtime], mangle: Mangle, full: bool
) -> None:
    _mangled_run(proxied, mangle, full)


def test_once_the_ats_answers_well_everything_arrives_once(
    proxied: tuple[World, Mangler, Runtime],
) -> None:
    """Runs after the examples above, on the same world."""
    _all_once(proxied)


@settings(max_examples=20, deadline=None)
@given(mangle=mangles(), full=st.booleans())
def test_a_mangled_suite_answer_is_a_failed_step_never_a_crash(
    suite_proxied: tuple[World, Mangler, Runtime], mangle: Mangle, full: bool
) -> None:
    _mangled_run(suite_proxied, mangle, full)


def test_once_the_suite_answers_well_everything_arrives_once(
    suite_proxied: tuple[World, Mangler, Runtime],
) -> None:
    """Runs after the examples above, on the same world: what a garbled answer hid
    was made once, and is found by its match fields instead of being made again."""
    _all_once(suite_proxied)


def test_a_create_answered_with_a_broken_id_is_found_again_not_linked_to_it(
    tmp_path: Path,
) -> None:
    """The suite makes each project but answers its id as a list: nothing is linked to
    that id; the retry finds the project by its external id and links the real one."""

    def broken_id(body: Any) -> Any:
        if isinstance(body, dict) and "id" in body:
            return {**body, "id": [body["id"]]}
        return body

    with _proxied(tmp_path, "suite", prefix="/api/v1/projects", methods=("POST",)) as found:
        world, mangler, runtime = found
        mangler.mangle = broken_id
        _sync(runtime, full=False)
        assert mangler.mangled >= JOBS
        mangler.mangle = None
        _all_once(found)
        made = {p["id"] for p in world.company.projects.values()}
        linked = {link.suite_id for link in LinkStore(runtime.engine, TENANT).all("job")}
        assert linked == made
