"""A name Connector keeps for itself: a widget data item named like a variable
Connector gives the widget's templates (``mode``, ``notice``, ``action``…) or its id
templates (``suite_id``…), where one would silently hide the other; or a webhook route
named ``poll``, the inbox source of the scheduler's polls, whose events would be taken
for polls."""

from collections.abc import Iterator

from engine.dsl.context import Context, Rule
from engine.dsl.diagnostics import Diagnostic
from engine.dsl.model import EMBED_VARS, POLL_ROUTE

PAGE_VARS = frozenset({"mode", "linked", "notice", "action"})  # see embed_routes.show
RESERVED = EMBED_VARS | PAGE_VARS


def check(ctx: Context) -> Iterator[Diagnostic]:
    spec = ctx.ats
    if spec is None:
        return
    for name, embed in spec.embeds.items():
        for var in embed.data:
            if var in RESERVED:
                yield ctx.at(
                    ("embeds", name, "data", var),
                    f"data item name {var!r} is Connector's own; choose another "
                    f"(reserved: {sorted(RESERVED)})",
                    "reserved-name",
                    key=True,
                )
    for w, hook in enumerate(spec.webhooks):
        if hook.route == POLL_ROUTE:
            yield ctx.at(
                ("webhooks", w, "route"),
                f"route {hook.route!r} is where Connector stores its polls; choose another",
                "reserved-name",
            )


RULE = Rule(
    "reserved-name",
    "a widget data item or webhook route named like one of Connector's own",
    check,
)
