"""Sorting a page of source records: which to sync, which ``when`` leaves out, which are
only the echo of our own write, and which cannot be read at all.

    page = sort_page("jobs_to_projects", flow, resource.id, records, echoes={"13"})
    page.chosen    # [(12, {"id": 12, "status": "open", ...})]  to map and write
    page.filtered  # [14]  'when' is false: skipped, or the delete policy when_filtered
    page.steps     # [Step("skip", ..., "13", detail="echo: ..."), Step("fail", ..., "?")]

A record whose id is missing, or is not a string or an integer, fails with ``?`` as its
id: nothing can be written for it that a later run could find again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jmespath.exceptions import JMESPathError

from engine.dsl.expressions import Expr
from engine.dsl.mapping import truthy
from engine.dsl.spec import AtsSpec, Flow
from engine.store.links import LinkStore, key, usable_id
from engine.sync.steps import Step

ECHO = "echo: the record is as this engine last wrote it"


@dataclass
class Page:
    chosen: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)
    filtered: list[Any] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)


def sort_page(
    name: str, flow: Flow, id_of: Expr, records: list[dict[str, Any]], echoes: set[str]
) -> Page:
    page = Page()
    for record in records:
        try:
            source_id = id_of.search(record)
            wanted = flow.when is None or truthy(flow.when.search(record))
        except JMESPathError as exc:  # an expression that fails on this record's data
            page.steps.append(Step("fail", name, "?", detail=f"'when' or 'id' failed: {exc}"))
            continue
        if source_id in (None, ""):
            page.steps.append(Step("fail", name, "?", detail="the record has no id"))
        elif not usable_id(source_id):
            detail = f"the record's id is a {type(source_id).__name__}, not a string or an integer"
            page.steps.append(Step("fail", name, "?", detail=detail))
        elif key(source_id) in echoes:
            page.steps.append(Step("skip", name, key(source_id), detail=ECHO))
        elif not wanted:
            page.filtered.append(source_id)
        else:
            page.chosen.append((source_id, record))
    return page


def echoes(
    spec: AtsSpec, links: LinkStore, flow: Flow, id_of: Expr, records: list[dict[str, Any]]
) -> set[str]:
    """Source records that are exactly as another flow of ours last wrote them.

    Such a record changed because we changed it; syncing it back would bounce our
    own write to where it came from. Any field changed since, by anyone else, makes
    it a real change again.
    """
    writers = [
        other
        for other in spec.sync.values()
        if other.target_side == flow.source_side
        and other.target == flow.source
        and other is not flow
    ]
    if not writers or not records:
        return set()
    by_id = {key(id_of.search(r)): r for r in records}
    found: set[str] = set()
    for writer in writers:
        for source_id, link in links.lookup(
            writer.link_entity, flow.source_side, list(by_id)
        ).items():
            written = link.payload(flow.source_side)
            record = by_id.get(source_id)
            if written and record and all(record.get(k) == v for k, v in written.items()):
                found.add(source_id)
    return found
