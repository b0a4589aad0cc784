"""Decisions: what to do with one mapped record, given its link (if any).

No I/O here: a decision is either a ``Step`` (a skip, nothing to write) or a ``Change``
for a writer to carry out (``writers.py``): write it, or in a plan only list it.

    decide("jobs_to_projects", flow, 12, {"name": "Engineer"}, link=None)
    # Change(kind="create", ..., values={"name": "Engineer"})
    decide("jobs_to_projects", flow, 12, {"name": "Engineer"}, link=unchanged_link)
    # Step("skip", "jobs_to_projects", "12", "prj_1", "unchanged")
    decide_delete("jobs_to_projects", flow, link)   # by the flow's delete policy
    # Change(kind="archive", ..., values={"status": "archived"})
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from engine.dsl.spec import Flow
from engine.store.links import Link, fingerprint, key
from engine.sync.steps import Step, fields

Kind = Literal["create", "update", "action", "delete", "archive"]


@dataclass(frozen=True)
class Change:
    """A write decided for one record."""

    kind: Kind
    name: str  # the flow's name
    flow: Flow
    source_id: Any  # as the source API gave it
    values: dict[str, Any] = field(default_factory=dict)
    """What is sent to the target: the payload, the changed fields, the delete policy's set."""
    link: Link | None = None  # None for a create
    remember: dict[str, Any] | None = None
    """What the link records as written, when not ``values`` (an action's marker)."""

    @property
    def sid(self) -> str:
        return key(self.source_id)

    @property
    def target_id(self) -> Any:
        return self.link.id_on(self.flow.target_side) if self.link else None

    @property
    def status(self) -> str | None:
        """The link's status once written: archived, active again, or unchanged (None)."""
        return {"archive": "archived", "update": "active"}.get(self.kind)

    def step(self, target_id: Any = None) -> Step:
        """The step this change is, once done (or planned)."""
        target = target_id if target_id is not None else self.target_id
        detail = (
            (self.flow.action or "")
            if self.kind == "action"
            else ""
            if self.kind == "delete"
            else fields(self.values)
        )
        return Step(
            self.kind, self.name, self.sid, key(target) if target is not None else None, detail
        )


def decide(
    name: str, flow: Flow, source_id: Any, payload: dict[str, Any], link: Link | None
) -> Change | Step:
    """Create, update, run the flow's action, or skip."""
    if flow.action:
        return _action(name, flow, source_id, payload, link)
    if link is None:
        return Change("create", name, flow, source_id, payload)
    return _update(name, flow, source_id, payload, link)


def _update(
    name: str, flow: Flow, source_id: Any, payload: dict[str, Any], link: Link
) -> Change | Step:
    """Only the fields the source owns, and of those only the changed ones; an archived
    record whose source matches again (a job reopened) is restored."""
    owned = {k: v for k, v in payload.items() if flow.owner(k) == flow.source_side}
    before = link.payload(flow.target_side) or {}
    changed = {k: v for k, v in owned.items() if k not in before or before[k] != v}
    if not changed and link.status == "active":
        target = key(link.id_on(flow.target_side))
        return Step("skip", name, key(source_id), target, "unchanged")
    values = changed or owned
    if link.status == "archived":
        values = {**values, **flow.delete.restore}
    return Change("update", name, flow, source_id, values, link)


def _action(
    name: str, flow: Flow, source_id: Any, payload: dict[str, Any], link: Link | None
) -> Change | Step:
    """An action runs once per payload: the link remembers the payload's fingerprint."""
    if link is None:
        return Step(
            "skip", name, key(source_id), detail=f"no linked {flow.target} to {flow.action}"
        )
    marker = {f"action:{flow.action}": fingerprint(payload)}
    before = link.payload(flow.target_side) or {}
    if before.get(f"action:{flow.action}") == marker[f"action:{flow.action}"]:
        target = key(link.id_on(flow.target_side))
        return Step("skip", name, key(source_id), target, f"{flow.action} already done")
    return Change("action", name, flow, source_id, payload, link, remember=marker)


def decide_delete(name: str, flow: Flow, link: Link) -> Change | Step:
    """The flow's delete policy for a linked record gone (or filtered out) at its source."""
    source_id = link.id_on(flow.source_side)
    policy = flow.delete.policy
    if policy == "ignore" or (policy == "archive" and link.status == "archived"):
        target = key(link.id_on(flow.target_side))
        return Step("skip", name, key(source_id), target, f"delete policy {policy}")
    if policy == "delete":
        return Change("delete", name, flow, source_id, {}, link)
    return Change("archive", name, flow, source_id, dict(flow.delete.set), link)
