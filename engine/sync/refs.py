"""Refs: a field that holds the other side's id of a record another flow syncs.

An application refers to its job (``project_id: {flow: jobs_to_projects, id: job_id}``);
before the application is written, its job must be linked, so the jobs of a page that
are not linked yet sync first, all in one batch. Then every ref reads the job's id on
the target side from the links (or, in a plan, the id the plan gave the new record).

    ids = await resolve_refs(flow, records, spec=spec, links=links, id_of=resource.id,
                             planned=writer.planned, sync_many=sync.sync_records)
    ids["3001"]  # {"project_id": "prj_7"}: application 3001's job is project prj_7
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from engine.dsl.expressions import Expr
from engine.dsl.spec import AtsSpec, Flow
from engine.store.links import LinkStore, key


async def resolve_refs(
    flow: Flow,
    records: list[dict[str, Any]],
    *,
    spec: AtsSpec,
    links: LinkStore,
    id_of: Expr,
    planned: Callable[[str, str], Any | None],
    sync_many: Callable[[str, list[Any]], Awaitable[None]],
) -> dict[str, dict[str, Any]]:
    """Per source id, the target-side id of every ref; unsynced targets sync first."""
    out: dict[str, dict[str, Any]] = {key(id_of.search(r)): {} for r in records}
    for field_name, ref in flow.refs.items():
        other = spec.sync[ref.flow]
        wanted = {key(id_of.search(r)): ref.id.search(r) for r in records}
        ids = [v for v in wanted.values() if v is not None]
        found = links.lookup(other.link_entity, flow.source_side, ids)
        missing = {key(i): i for i in ids if key(i) not in found}
        if missing:
            await sync_many(ref.flow, list(missing.values()))
        if len(found) < len(set(map(key, ids))):
            found = links.lookup(other.link_entity, flow.source_side, ids)
        for source_id, ref_id in wanted.items():
            if ref_id is None:
                continue
            link = found.get(key(ref_id))
            if link is not None:
                out[source_id][field_name] = link.id_on(flow.target_side)
            elif (id_planned := planned(ref.flow, key(ref_id))) is not None:
                out[source_id][field_name] = id_planned
    return out
