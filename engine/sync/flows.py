"""Which flows a run syncs, and in what order: a flow after the flows its refs point to,
so that an application's job is linked before the application is written.

    >>> run_order(spec, ["applications_to_invitations", "jobs_to_projects"])
    ['jobs_to_projects', 'applications_to_invitations']

A ref to a flow not in the list is synced record by record when it is met. Without
a list: every flow but the on-demand ones, which only run for records another flow refers to.
"""

from __future__ import annotations

from collections.abc import Iterable

from engine.dsl.spec import AtsSpec
from engine.errors import ConnectorError


def run_order(spec: AtsSpec, flows: Iterable[str] | None) -> list[str]:
    wanted = (
        list(flows)
        if flows is not None
        else [name for name, flow in spec.sync.items() if not flow.on_demand]
    )
    unknown = [f for f in wanted if f not in spec.sync]
    if unknown:
        raise ConnectorError(f"unknown flow {unknown[0]!r}; flows: {sorted(spec.sync)}")
    ordered: list[str] = []

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in ordered or name in trail:
            return
        for ref in spec.sync[name].refs.values():
            if ref.flow in wanted:
                visit(ref.flow, (*trail, name))
        ordered.append(name)

    for name in wanted:
        visit(name, ())
    return ordered
