"""Every lint rule, registered in one list. Adding a rule: one file here plus its test."""

from engine.dsl.context import Rule
from engine.dsl.rules import (
    duplicate_key,
    duplicate_webhook,
    embed_template,
    examples,
    insecure_webhook,
    jinja,
    jmespath_expr,
    kind,
    missing_endpoint,
    partner,
    polling_interval,
    references,
    reserved_name,
    schema,
    secrets,
    setup,
    suite_values,
    syntax,
    tenants,
    type_name,
    unknown_key,
)

RULES: tuple[Rule, ...] = tuple(
    module.RULE
    for module in (
        syntax,
        duplicate_key,
        kind,
        unknown_key,
        type_name,
        schema,
        jmespath_expr,
        jinja,
        references,
        missing_endpoint,
        reserved_name,
        partner,
        suite_values,
        duplicate_webhook,
        polling_interval,
        embed_template,
        secrets,
        setup,
        insecure_webhook,
        examples,
        tenants,
    )
)
