"""A role or stage mapped onto a suite role or invitation stage that suite.yaml lacks."""

from collections.abc import Iterator
from typing import Any

from engine.dsl.context import Context, Rule, did_you_mean
from engine.dsl.diagnostics import Diagnostic
from engine.dsl.document import Path
from engine.dsl.model import NO_DEFAULT


def check(ctx: Context) -> Iterator[Diagnostic]:
    spec, suite = ctx.ats, ctx.suite
    if spec is None or suite is None:
        return
    for name, flow in spec.sync.items():
        for kind, mapping, declared in (
            ("role", flow.roles, suite.roles),
            ("stage", flow.stages, suite.stages),
        ):
            if mapping is None:
                continue
            base = ("sync", name, f"{kind}s")
            suite_side: list[tuple[Path, Any]]
            if flow.direction == "to_suite":
                suite_side = [((*base, "map", k), v) for k, v in mapping.map.items()]
                if mapping.default is not NO_DEFAULT and mapping.default is not None:
                    suite_side.append(((*base, "default"), mapping.default))
            else:
                suite_side = [((*base, "map", k), k) for k in mapping.map]
            for path, value in suite_side:
                if value not in declared:
                    hint = did_you_mean(value, declared)
                    yield ctx.at(
                        path,
                        f"suite {kind} {value!r} is not declared in suite.yaml{hint} "
                        f"(declared: {sorted(declared)})",
                        "suite-value",
                        key=flow.direction == "to_ats",
                    )


RULE = Rule("suite-value", "a role or stage that suite.yaml does not declare", check)
