"""A tenant in connector.yaml that names an unknown ATS, leaves out a required secret,
picks a setup or suite auth method that does not exist, or writes a bad ${ENV} reference
(or one to a variable that is not set here: a warning)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from engine.dsl.context import Context, Rule, did_you_mean
from engine.dsl.diagnostics import Diagnostic
from engine.dsl.document import Path, walk
from engine.dsl.spec import AtsSpec, SuiteSpec, Tenant
from engine.paths import catalog_files

ENV_REF = re.compile(r"\$\{([^}]*)\}")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check(ctx: Context) -> Iterator[Diagnostic]:
    deployment = ctx.deployment
    if deployment is None:
        return
    yield from _env_references(ctx)
    folder = ctx.mappings_dir
    if folder is not None and not catalog_files(folder)[0].is_file():
        yield ctx.at(
            ("mappings",) if "mappings" in ctx.data else (),
            f"mappings folder {ctx.data.get('mappings', folder.name)!r} (relative to this file) "
            "has no suite.yaml and no ats/ folder",
            "tenant",
        )
        return  # without the suite no tenant can be checked
    for tenant_id, tenant in deployment.tenants.items():
        yield from _tenant(ctx, tenant_id, tenant)


def _env_references(ctx: Context) -> Iterator[Diagnostic]:
    for path, value in walk(ctx.data):
        if isinstance(value, str):
            for name in ENV_REF.findall(value):
                if not ENV_NAME.match(name):
                    yield ctx.at(path, f"invalid environment reference '${{{name}}}'", "tenant")
                elif not os.environ.get(name):
                    # A warning: the file is linted where its secrets are absent on
                    # purpose (CI, an editor); the runtime refuses to start without them.
                    state = (
                        "is empty"
                        if name in os.environ
                        else "is not set; runtime commands will refuse to run"
                    )
                    yield ctx.at(
                        path, f"environment variable {name} {state}", "tenant", severity="warning"
                    )


def _tenant(ctx: Context, tenant_id: str, tenant: Tenant) -> Iterator[Diagnostic]:
    base: Path = ("tenants", tenant_id)
    if ctx.ats_specs is not None:
        if tenant.ats not in ctx.ats_specs:
            hint = did_you_mean(tenant.ats, ctx.ats_specs) or f"; known: {sorted(ctx.ats_specs)}"
            yield ctx.at((*base, "ats"), f"no ATS spec named {tenant.ats!r}{hint}", "tenant")
            return
        spec = ctx.ats_specs[tenant.ats]
        if spec is None:
            return  # a spec that did not build is reported in its own file
        yield from _ats_needs(ctx, base, tenant_id, tenant, spec)
    if ctx.suite is not None:
        yield from _suite_needs(ctx, base, tenant_id, tenant, ctx.suite)


def _ats_needs(
    ctx: Context, base: Path, tenant_id: str, tenant: Tenant, spec: AtsSpec
) -> Iterator[Diagnostic]:
    """The secrets the tenant's ATS spec requires, and the setup it picks."""
    for name, decl in spec.secrets.items():
        if decl.required and name not in tenant.secrets:
            yield ctx.at(
                (*base, "secrets") if "secrets" in ctx.data["tenants"][tenant_id] else base,
                f"tenant {tenant_id!r} does not supply the secret {name!r} that "
                f"{tenant.ats!r} requires",
                "tenant",
            )
    if tenant.setup not in spec.setups:
        yield ctx.at(
            (*base, "setup"),
            f"{tenant.ats!r} does not support the {tenant.setup!r} setup; it supports "
            f"{sorted(spec.setups)}",
            "tenant",
        )


def _suite_needs(
    ctx: Context, base: Path, tenant_id: str, tenant: Tenant, suite: SuiteSpec
) -> Iterator[Diagnostic]:
    """The suite secrets every tenant must supply, and the suite auth method it picks."""
    for name, decl in suite.secrets.items():
        if decl.required and name not in tenant.suite_secrets:
            yield ctx.at(
                base,
                f"tenant {tenant_id!r} does not supply the suite secret {name!r} "
                "under 'suite_secrets'",
                "tenant",
            )
    if tenant.suite_auth is not None and tenant.suite_auth not in suite.auth_methods:
        methods = suite.auth_methods
        hint = did_you_mean(tenant.suite_auth, methods) or f"; known: {sorted(methods)}"
        yield ctx.at(
            (*base, "suite_auth"),
            f"the suite has no auth method {tenant.suite_auth!r}{hint}",
            "tenant",
        )


RULE = Rule("tenant", "a tenant that cannot run as configured", check)
