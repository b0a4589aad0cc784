"""``connector embed-url`` and ``connector links-url``: what an ATS admin pastes."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from engine.commands.common import add_config, fail, load_runtime
from engine.dsl.diagnostics import SpecError
from engine.errors import ConnectorError
from engine.tenants import expand_env
from engine.web.pages import CONSENT, DEFAULT_TTL, EmbedTokens


def _base(args: argparse.Namespace, configured: str | None, env: Mapping[str, str] | None) -> str:
    base = args.base or (expand_env(configured, env) if configured else "")
    if not base:
        raise ConnectorError("give --base or server.public_url: where the ATS reaches Connector")
    return base.rstrip("/")


def run_embed_url(args: argparse.Namespace) -> int:
    try:
        runtime = load_runtime(args)
        tenant = runtime.tenant(args.tenant)
        if args.widget not in tenant.ats.embeds:
            raise ConnectorError(f"no widget {args.widget!r}; widgets: {sorted(tenant.ats.embeds)}")
        base = _base(args, runtime.deployment.server.public_url, runtime.env)
        tokens = EmbedTokens.from_secret(runtime.tokens.signing_key)
        token = tokens.issue(args.tenant, args.widget, args.ats_id, ttl=args.ttl)
    except (ConnectorError, SpecError) as exc:
        return fail(exc)
    mode = f"&mode={args.mode}" if args.mode != "iframe" else ""
    print(f"{base}/embed/{args.tenant}/{args.widget}/{args.ats_id}?token={token}{mode}")
    return 0


def run_consent_url(args: argparse.Namespace) -> int:
    try:
        runtime = load_runtime(args)
        runtime.tenant(args.tenant)
        base = _base(args, runtime.deployment.server.public_url, runtime.env)
        token = EmbedTokens.from_secret(runtime.tokens.signing_key).issue(
            args.tenant, CONSENT, args.tenant, ttl=args.ttl
        )
    except (ConnectorError, SpecError) as exc:
        return fail(exc)
    print(f"{base}/oauth/{args.tenant}/start?token={token}")
    return 0


def run_links_url(args: argparse.Namespace) -> int:
    try:
        runtime = load_runtime(args)
        tenant = runtime.tenant(args.tenant)
        entities = sorted(
            {f.link_entity for f in tenant.ats.sync.values() if f.direction == "to_suite"}
        )
        if args.entity not in entities:
            raise ConnectorError(f"no suite page for {args.entity!r}; entities: {entities}")
        base = _base(args, runtime.deployment.server.public_url, runtime.env)
    except (ConnectorError, SpecError) as exc:
        return fail(exc)
    print(f"{base}/links/{args.tenant}/{args.entity}/{{{args.placeholder}}}")
    return 0


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    embed = commands.add_parser(
        "embed-url", help="print a signed, expiring URL of a widget for one record"
    )
    embed.add_argument("tenant")
    embed.add_argument("widget")
    embed.add_argument("ats_id")
    embed.add_argument(
        "--ttl", type=int, default=DEFAULT_TTL, help="seconds the URL works (default 600)"
    )
    embed.add_argument("--mode", choices=("iframe", "popup", "link"), default="iframe")
    embed.add_argument("--base", help="Connector's public URL (default: server.public_url)")
    add_config(embed)
    embed.set_defaults(run=run_embed_url)
    consent = commands.add_parser(
        "consent-url", help="print the link an admin opens to connect a tenant's suite account"
    )
    consent.add_argument("tenant")
    consent.add_argument(
        "--ttl", type=int, default=3600, help="seconds the link works (default 3600)"
    )
    consent.add_argument("--base", help="Connector's public URL (default: server.public_url)")
    add_config(consent)
    consent.set_defaults(run=run_consent_url)
    links = commands.add_parser(
        "links-url", help="print the quick-setup link template to paste into the ATS"
    )
    links.add_argument("tenant")
    links.add_argument("entity")
    links.add_argument(
        "--placeholder", default="id", help="how the ATS writes the record id (default: {id})"
    )
    links.add_argument("--base", help="Connector's public URL (default: server.public_url)")
    add_config(links)
    links.set_defaults(run=run_links_url)
