"""An embed whose template file is not in ui_templates/."""

from collections.abc import Iterator

from engine.dsl.context import Context, Rule
from engine.dsl.diagnostics import Diagnostic


def check(ctx: Context) -> Iterator[Diagnostic]:
    spec = ctx.ats
    if spec is None:
        return
    root = ctx.templates_dir.resolve()
    for name, embed in spec.embeds.items():
        target = (root / embed.template).resolve()
        if root not in target.parents:
            yield ctx.at(
                ("embeds", name, "template"),
                f"template {embed.template!r} is outside ui_templates/",
                "embed-template",
            )
        elif not target.is_file():
            yield ctx.at(
                ("embeds", name, "template"),
                f"template {embed.template!r} does not exist in ui_templates/",
                "embed-template",
            )


RULE = Rule("embed-template", "an embed whose template is missing", check)
