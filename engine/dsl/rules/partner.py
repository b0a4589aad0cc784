"""The partner surface: two routes on one method and path, an action missing a field it
needs, an example whose request does not map to its fields, or a callback without an
invite route to give it a URL."""

from __future__ import annotations

from collections.abc import Iterator

from engine.dsl.context import Context, Rule
from engine.dsl.diagnostics import Diagnostic
from engine.dsl.rules.examples import diff
from engine.dsl.spec import Partner, PartnerRoute

#: The fields each action cannot do without.
NEEDS = {
    "invite": ("test_id", "first_name", "last_name", "email"),
    "status": ("interview_id",),
}


def request_fields(route: PartnerRoute, call: object) -> dict[str, object]:
    """What a route's ``request`` maps a call (``body``, ``query``, ``headers``) to."""
    return {name: expr.search(call) for name, expr in route.request.items()}


def _route(ctx: Context, name: str, route: PartnerRoute) -> Iterator[Diagnostic]:
    base = ("partner", "routes", name)
    for field in NEEDS.get(route.action, ()):
        if field not in route.request:
            yield ctx.at((*base, "request") if route.request else (*base, "action"),
                         f"partner route {name!r} ({route.action}) maps no {field!r}; "
                         f"it needs {list(NEEDS[route.action])}", "partner")  # fmt: skip
    if not route.examples:
        yield ctx.at(base, f"partner route {name!r} has no examples: give one call the ATS "
                     "makes and the fields it maps to", "partner", severity="warning")  # fmt: skip
    for i, example in enumerate(route.examples):
        label = f"example {example.name!r}" if example.name else f"example {i + 1}"
        try:
            actual = request_fields(route, example.input)
        except Exception as exc:  # a JMESPath function refusing the input
            yield ctx.at((*base, "examples", i), f"{label} of {name!r} fails: {exc}", "partner")
            continue
        problems = diff(example.output, actual)
        if problems:
            yield ctx.at((*base, "examples", i, "output"),
                         f"{label} of partner route {name!r} does not map to its output: "
                         + "; ".join(problems), "partner")  # fmt: skip


def _partner(ctx: Context, partner: Partner) -> Iterator[Diagnostic]:
    seen: dict[tuple[str, str], str] = {}
    for name, route in partner.routes.items():
        key = (route.method, route.path)
        if key in seen:
            yield ctx.at(("partner", "routes", name, "path"),
                         f"{route.method} {route.path} is also route {seen[key]!r}",
                         "partner")  # fmt: skip
        seen.setdefault(key, name)
        yield from _route(ctx, name, route)
    invites = [r for r in partner.routes.values() if r.action == "invite"]
    if partner.callback is not None and not any("callback_url" in r.request for r in invites):
        yield ctx.at(("partner", "callback"),
                     "the callback has no URL: no invite route maps a 'callback_url'",
                     "partner")  # fmt: skip


def check(ctx: Context) -> Iterator[Diagnostic]:
    spec = ctx.ats
    if spec is None or spec.partner is None or (ctx.built and ctx.built.problems):
        return
    yield from _partner(ctx, spec.partner)


RULE = Rule(
    "partner", "a partner route that cannot do its action, or a callback without a URL", check
)
