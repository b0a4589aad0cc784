"""A resource used in a way its endpoints do not allow: a flow that lists a resource with
no ``list``, creates one with no ``create``, or a widget or button that fetches a record
by id from a resource with no ``get``. Without this rule the mistake shows only at run
time, as a record that fails or a widget that cannot be shown."""

from collections.abc import Iterator, Mapping

from engine.dsl.context import Context, Rule
from engine.dsl.diagnostics import Diagnostic
from engine.dsl.document import Path
from engine.dsl.model import Resource


def _lacks(
    ctx: Context,
    path: Path,
    known: Mapping[str, Resource] | None,
    name: str,
    op: str,
    why: str,
) -> Iterator[Diagnostic]:
    resource = known.get(name) if known is not None else None
    if resource is None or getattr(resource.endpoints, op) is not None:
        return  # an unknown resource is the references rule's to report
    if op == "get" and resource.lookup is not None and resource.endpoints.list is not None:
        return  # fetched by id through a batched lookup on its list
    have = [
        o for o in ("list", "get", "create", "update", "delete") if getattr(resource.endpoints, o)
    ]
    yield ctx.at(
        path,
        f"resource {name!r} has no {op!r} endpoint, but {why}; its endpoints: {have}",
        "missing-endpoint",
    )


def check(ctx: Context) -> Iterator[Diagnostic]:
    spec = ctx.ats
    if spec is None:
        return
    sides: dict[str, Mapping[str, Resource] | None] = {
        "ats": spec.resources,
        "suite": ctx.suite.resources if ctx.suite else None,
    }
    for name, flow in spec.sync.items():
        source = sides[flow.source_side]
        if flow.on_demand:
            why = "the flow fetches records by id when another flow refers to them"
            yield from _lacks(ctx, ("sync", name, "source"), source, flow.source, "get", why)
        else:
            why = "the flow lists it to sync"
            yield from _lacks(ctx, ("sync", name, "source"), source, flow.source, "list", why)
        if not flow.action:
            # records linked by a flow the other way exist already: this one updates them
            paired = any(
                other.link_entity == flow.link_entity and other.direction != flow.direction
                for other in spec.sync.values()
            )
            op, why = (
                ("update", "the flow updates the records another flow linked")
                if paired
                else ("create", "the flow creates its records there")
            )
            yield from _lacks(
                ctx, ("sync", name, "target"), sides[flow.target_side], flow.target, op, why
            )
    for name, embed in spec.embeds.items():
        for var, data in embed.data.items():
            op = "get" if data.id is not None else "list"
            why = f"the widget fetches {'one record by id' if op == 'get' else 'a list'} from it"
            at: Path = ("embeds", name, "data", var, "resource")
            yield from _lacks(ctx, at, sides[data.side], data.resource, op, why)
        action = embed.action
        if action is not None and action.flow in spec.sync:
            flow = spec.sync[action.flow]
            why = "the widget's button fetches its record by id"
            at = ("embeds", name, "action", "flow")
            yield from _lacks(ctx, at, sides[flow.source_side], flow.source, "get", why)


RULE = Rule("missing-endpoint", "a resource used in a way its endpoints do not allow", check)
