"""A name that points nowhere: a flow's resources, a ref's flow, an action, a polled flow,
a webhook event's resource or flows, an embed's resource, entity or action flow, a parent."""

from collections.abc import Iterator, Mapping
from typing import Any

from engine.dsl.context import Context, Rule, did_you_mean
from engine.dsl.diagnostics import Diagnostic
from engine.dsl.document import Path
from engine.dsl.model import Resource
from engine.dsl.spec import AtsSpec, Embed, Flow, SuiteSpec


def _missing(
    ctx: Context, path: Path, what: str, name: str, known: Mapping[str, Any]
) -> Diagnostic:
    hint = did_you_mean(name, known) or f"; known: {sorted(known)}"
    return ctx.at(path, f"{what} {name!r} does not exist{hint}", "unknown-reference")


def _parents(ctx: Context, side: str, resources: Mapping[str, Resource]) -> Iterator[Diagnostic]:
    for name, resource in resources.items():
        if resource.parent is not None and resource.parent not in resources:
            path = ("resources", name, "parent")
            yield _missing(ctx, path, f"parent {side} resource", resource.parent, resources)


Sides = Mapping[str, Mapping[str, Resource] | None]


def check(ctx: Context) -> Iterator[Diagnostic]:
    suite = ctx.suite_spec
    if suite is not None:
        yield from _suite_events(ctx, suite)
    spec = ctx.ats
    if spec is None:
        return
    yield from _parents(ctx, "ats", spec.resources)
    suite_resources: Mapping[str, Resource] | None = ctx.suite.resources if ctx.suite else None
    sides: Sides = {"ats": spec.resources, "suite": suite_resources}
    for name, flow in spec.sync.items():
        yield from _flow(ctx, spec, sides, name, flow)
    if spec.polling is not None:
        yield from _polled(ctx, spec, spec.polling.flows)
    yield from _webhook_events(ctx, spec)
    entities = {flow.link_entity: flow for flow in spec.sync.values()}
    for name, embed in spec.embeds.items():
        yield from _embed(ctx, spec, sides, entities, name, embed)
    if spec.embed_context is not None:
        for entity in spec.embed_context.ids:
            if entity not in entities:
                yield _missing(
                    ctx, ("embed_context", "ids", entity), "synced entity", entity, entities
                )


def _suite_events(ctx: Context, suite: SuiteSpec) -> Iterator[Diagnostic]:
    yield from _parents(ctx, "suite", suite.resources)
    for i, event in enumerate(suite.webhooks.events):
        if event.resource not in suite.resources:
            path = ("webhooks", "events", i, "resource")
            yield _missing(ctx, path, "suite resource", event.resource, suite.resources)


def _flow(ctx: Context, spec: AtsSpec, sides: Sides, name: str, flow: Flow) -> Iterator[Diagnostic]:
    """A flow's source and target resources, the flows its refs name, and its action."""
    base: Path = ("sync", name)
    for role, resource in (("source", flow.source), ("target", flow.target)):
        side = flow.source_side if role == "source" else flow.target_side
        known = sides[side]
        if known is not None and resource not in known:
            yield _missing(ctx, (*base, role), f"{side} resource", resource, known)
    for field, ref in flow.refs.items():
        if ref.flow not in spec.sync:
            yield _missing(ctx, (*base, "refs", field, "flow"), "flow", ref.flow, spec.sync)
    target = sides[flow.target_side]
    if flow.action and target is not None and flow.target in target:
        actions = target[flow.target].actions
        if flow.action not in actions:
            hint = did_you_mean(flow.action, actions) or f"; its actions: {sorted(actions)}"
            yield ctx.at(
                (*base, "action"),
                f"resource {flow.target!r} has no action {flow.action!r}{hint}",
                "unknown-reference",
            )


def _polled(ctx: Context, spec: AtsSpec, flows: tuple[str, ...]) -> Iterator[Diagnostic]:
    for i, flow_name in enumerate(flows):
        if flow_name not in spec.sync:
            yield _missing(ctx, ("polling", "flows", i), "flow", flow_name, spec.sync)
        elif spec.sync[flow_name].direction != "to_suite":
            yield ctx.at(
                ("polling", "flows", i),
                f"flow {flow_name!r} reads the suite, which sends webhooks; poll only "
                "to_suite flows",
                "unknown-reference",
            )


def _webhook_events(ctx: Context, spec: AtsSpec) -> Iterator[Diagnostic]:
    for w, hook in enumerate(spec.webhooks):
        for e, event in enumerate(hook.events):
            base = ("webhooks", w, "events", e)
            if event.resource not in spec.resources:
                yield _missing(
                    ctx, (*base, "resource"), "ats resource", event.resource, spec.resources
                )
            for f, flow_name in enumerate(event.flows):
                if flow_name not in spec.sync:
                    yield _missing(ctx, (*base, "flows", f), "flow", flow_name, spec.sync)


def _embed(
    ctx: Context,
    spec: AtsSpec,
    sides: Sides,
    entities: Mapping[str, Flow],
    name: str,
    embed: Embed,
) -> Iterator[Diagnostic]:
    """An embed's entity (some flow must sync it), its data's resources, and its button."""
    if embed.entity not in entities:
        hint = did_you_mean(embed.entity, entities) or f"; synced entities: {sorted(entities)}"
        yield ctx.at(
            ("embeds", name, "entity"),
            f"no flow syncs entity {embed.entity!r}, so its ATS ids have no suite match{hint}",
            "unknown-reference",
        )
    for var, data in embed.data.items():
        known = sides[data.side]
        if known is not None and data.resource not in known:
            where = ("embeds", name, "data", var, "resource")
            yield _missing(ctx, where, f"{data.side} resource", data.resource, known)
    if embed.action is not None:
        yield from _embed_action(ctx, spec, name, embed, embed.action.flow)


def _embed_action(
    ctx: Context, spec: AtsSpec, name: str, embed: Embed, flow_name: str
) -> Iterator[Diagnostic]:
    acting = spec.sync.get(flow_name)
    if acting is None:
        yield _missing(ctx, ("embeds", name, "action", "flow"), "flow", flow_name, spec.sync)
    elif acting.direction != "to_suite" or acting.link_entity != embed.entity:
        yield ctx.at(
            ("embeds", name, "action", "flow"),
            f"flow {flow_name!r} does not sync {embed.entity!r} records to "
            "the suite, so the button could not act on this widget's record",
            "unknown-reference",
        )


RULE = Rule("unknown-reference", "a flow, resource, action or entity that does not exist", check)
