"""A widget's data items fetched from the real suite simulator: lists, ids, and the
items that point at nothing yet, which must fetch nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from engine.dsl.expressions import Template
from engine.dsl.spec import EmbedData
from engine.sync import SyncEngine
from engine.web.embed_data import ClientPool, fetch
from engine.web.pages import TTLCache
from simulators.world import TENANT, World


def _fetcher(world: World, cache: TTLCache) -> Any:
    runtime = world.runtime()
    tenant = runtime.tenant(TENANT)

    async def fetch_one(data: EmbedData, suite_id: str = "") -> Any:
        pool = ClientPool()
        try:
            return await fetch(pool, cache, tenant, data, {"suite_id": suite_id, "ats_id": "1"})
        finally:
            await pool.aclose()

    return fetch_one


def test_a_list_without_filters_is_fetched_and_an_empty_filter_is_not(tmp_path: Path) -> None:
    with World(tmp_path) as world:
        world.greenhouse.create_job(name="Data Engineer", status="open")
        runtime = world.runtime()
        asyncio.run(SyncEngine(runtime.tenant(TENANT), runtime.engine).run(["jobs_to_projects"]))
        cache = TTLCache()
        fetch_one = _fetcher(world, cache)
        projects = asyncio.run(fetch_one(EmbedData(resource="project")))
        assert [p["name"] for p in projects] == ["Data Engineer"]
        unfiltered = EmbedData(
            resource="rating", params={"invitation_id": Template.compile("{{ suite_id }}")}
        )
        assert asyncio.run(fetch_one(unfiltered)) == []
        assert cache.misses == 1  # the empty filter never reached the suite


def test_an_item_by_id_is_fetched_once_and_an_empty_id_is_none(tmp_path: Path) -> None:
    with World(tmp_path) as world:
        world.greenhouse.create_job(name="Cached", status="open")
        runtime = world.runtime()
        asyncio.run(SyncEngine(runtime.tenant(TENANT), runtime.engine).run(["jobs_to_projects"]))
        [project_id] = list(world.company.projects)
        cache = TTLCache()
        fetch_one = _fetcher(world, cache)
        by_id = EmbedData(resource="project", id=Template.compile("{{ suite_id }}"))
        first = asyncio.run(fetch_one(by_id, suite_id=str(project_id)))
        again = asyncio.run(fetch_one(by_id, suite_id=str(project_id)))
        assert first["name"] == "Cached" and again == first
        assert (cache.misses, cache.hits) == (1, 1)
        assert asyncio.run(fetch_one(by_id)) is None  # no suite id yet: nothing asked
        assert cache.misses == 1


def test_select_reshapes_a_record_for_the_template_and_the_cache_keeps_the_raw_one(
    tmp_path: Path,
) -> None:
    """An ATS's own field names meet the names a shared template reads."""
    from engine.dsl.expressions import Expr

    with World(tmp_path) as world:
        job = world.greenhouse.create_job(name="Reshaped", status="open")
        cache = TTLCache()
        fetch_one = _fetcher(world, cache)
        raw = EmbedData(side="ats", resource="job", id=Template.compile(str(job["id"])))
        shaped = EmbedData(side="ats", resource="job", id=Template.compile(str(job["id"])),
                           select=Expr.compile("{title: name, open: status == 'open'}"))  # fmt: skip
        assert asyncio.run(fetch_one(shaped)) == {"title": "Reshaped", "open": True}
        assert asyncio.run(fetch_one(raw))["name"] == "Reshaped"  # the cache holds the record
        assert (cache.misses, cache.hits) == (1, 1)
