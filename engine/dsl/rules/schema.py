"""Every other schema violation, with jsonschema's own message at the value's position."""

from collections.abc import Iterator

from engine.dsl.context import Context, Rule
from engine.dsl.diagnostics import Diagnostic
from engine.dsl.rules.type_name import is_type_error


def check(ctx: Context) -> Iterator[Diagnostic]:
    for error in ctx.schema_errors:
        if error.validator == "additionalProperties" or is_type_error(error):
            continue
        path = tuple(error.absolute_path)
        if error.validator == "propertyNames":
            name = str(error.instance)
            yield ctx.at(
                (*path, name),
                f"invalid name {name!r}: use lower-case letters, digits and underscores",
                "schema",
                key=True,
            )
        elif error.validator == "required":
            yield ctx.at(
                path, error.message.replace("is a required", "is a required key,"), "schema"
            )
        else:
            yield ctx.at(path, error.message, "schema")


RULE = Rule("schema", "a value the schema rejects", check)
