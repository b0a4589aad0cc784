"""A widget data item named like a variable Connector itself gives the widget's
templates (``mode``, ``notice``, ``action``…) or its id templates (``suite_id``…): one
would silently hide the other."""

from collections.abc import Iterator

from engine.dsl.context import Context, Rule
from engine.dsl.diagnostics import Diagnostic
from engine.dsl.model import EMBED_VARS

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


RULE = Rule("reserved-name", "a widget data item named like one of Connector's variables", check)
