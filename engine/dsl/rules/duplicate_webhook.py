"""Two webhook endpoints on one route, or one event type handled twice on a route."""

from collections.abc import Iterator

from engine.dsl.context import Context, Rule
from engine.dsl.diagnostics import Diagnostic
from engine.dsl.document import Path
from engine.dsl.model import Webhook


def _events(ctx: Context, hook: Webhook, base: Path) -> Iterator[Diagnostic]:
    first: dict[str, int] = {}
    for i, event in enumerate(hook.events):
        if event.event in first:
            mark = ctx.doc.position((*base, "events", first[event.event], "event"))
            yield ctx.at(
                (*base, "events", i, "event"),
                f"event {event.event!r} is handled twice on route {hook.route!r}, "
                f"first at line {mark.line}",
                "duplicate-webhook",
            )
        else:
            first[event.event] = i


def check(ctx: Context) -> Iterator[Diagnostic]:
    if ctx.suite_spec is not None:
        yield from _events(ctx, ctx.suite_spec.webhooks, ("webhooks",))
    spec = ctx.ats
    if spec is None:
        return
    routes: dict[str, int] = {}
    for w, hook in enumerate(spec.webhooks):
        path = ("webhooks", w, "route")
        if ctx.suite is not None and hook.route == ctx.suite.webhooks.route:
            yield ctx.at(
                path, f"route {hook.route!r} is the suite's own route", "duplicate-webhook"
            )
        elif hook.route in routes:
            mark = ctx.doc.position(("webhooks", routes[hook.route], "route"))
            yield ctx.at(
                path,
                f"route {hook.route!r} is declared twice, first at line {mark.line}",
                "duplicate-webhook",
            )
        else:
            routes[hook.route] = w
        yield from _events(ctx, hook, ("webhooks", w))


RULE = Rule("duplicate-webhook", "a webhook route or event declared twice", check)
