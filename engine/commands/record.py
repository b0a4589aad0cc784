"""``connector record`` saves an ATS's real answers; ``connector replay`` runs a spec's
flows against them offline.

    connector record acme --out fixtures/acme.json      # against the tenant's (sandbox) ATS
    connector replay mappings/ats/lever.yaml --fixtures fixtures/acme.json

Record lists every resource a to_suite flow reads (at most ``--limit`` records of each,
and those of each parent first for nested resources), and fetches the first few by id,
the way a thin webhook does; the cassette keeps no credentials (see
``engine.client.cassette``). Replay lists the same resources from the recording with
the spec given, which may be a draft under edit, and prints what each flow makes of each
record: the mapped fields, or why it skips or fails. It writes nothing anywhere and
needs no database, network or secrets; a request the recording lacks fails by name.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from engine.client.api import ApiClient
from engine.client.cassette import Cassette, RecordingTransport, ReplayTransport
from engine.commands.common import add_config, fail, load_runtime
from engine.dsl.diagnostics import SpecError
from engine.dsl.loader import load_ats, load_suite
from engine.dsl.mapping import MappingError, map_record
from engine.dsl.model.auth import NoAuth
from engine.dsl.spec import AtsSpec, Flow
from engine.errors import ConnectorError
from engine.paths import MAPPINGS_DIR
from engine.tenants import expand_env

LIMIT = 50
FETCHED = 2  # records of each resource also fetched by id


def _sources(spec: AtsSpec, flows: Iterable[str] | None = None) -> list[str]:
    """The ATS resources the to_suite flows read, parents first, each once."""
    wanted = set(flows) if flows else set(spec.sync)
    out: list[str] = []
    for name, flow in spec.sync.items():
        if flow.direction != "to_suite" or name not in wanted:
            continue
        chain = [flow.source]
        while (parent := spec.resources[chain[-1]].parent) is not None:
            chain.append(parent)
        out += [r for r in reversed(chain) if r not in out]
    return out


async def _read(client: ApiClient, spec: AtsSpec, resource: str, limit: int) -> list[Any]:
    """Up to ``limit`` records of ``resource`` (under each listed parent if nested)."""
    endpoints = spec.resources[resource].endpoints
    if endpoints.list is None:
        return []
    parent = spec.resources[resource].parent
    parents: list[Any] = [None]
    if parent is not None:  # under the parent's own ids, as its spec names them
        parent_id = spec.resources[parent].id
        parents = [parent_id.search(p) for p in await _read(client, spec, parent, 3)]
    records: list[Any] = []
    for parent_id in parents:
        async for record in client.list(resource, parent_id=parent_id):
            records.append(record)
            if len(records) >= limit:
                return records
    return records


async def _record(
    client: ApiClient, spec: AtsSpec, resources: list[str], limit: int
) -> dict[str, int]:
    counts = {}
    for resource in resources:
        records = await _read(client, spec, resource, limit)
        counts[resource] = len(records)
        if spec.resources[resource].endpoints.get is not None:
            for record in records[:FETCHED]:
                await client.get(resource, spec.resources[resource].id.search(record))
    return counts


def run_record(args: argparse.Namespace) -> int:
    try:
        runtime = load_runtime(args)
        tenant = runtime.tenant(args.tenant)
        inner = httpx.AsyncHTTPTransport(verify=runtime.verify)
        recorder = RecordingTransport(inner, tenant.ats_secrets())
        client = tenant.ats_client(transport=recorder)
        resources = _sources(tenant.ats, args.flow)

        async def record() -> dict[str, int]:
            async with client:
                return await _record(client, tenant.ats, resources, args.limit)

        counts = asyncio.run(record())
    except (ConnectorError, SpecError) as exc:
        return fail(exc)
    urls = {"base_url": client.base_url}
    if tenant.config.ats_token_url:
        urls["token_url"] = expand_env(tenant.config.ats_token_url, tenant.env)
    Cassette(tenant.ats.name, urls, recorder.exchanges).save(Path(args.out))
    listed = ", ".join(f"{n} {r}" for r, n in counts.items())
    print(f"recorded {len(recorder.exchanges)} exchange(s) to {args.out} ({listed})")
    return 0


def _spec(text: str) -> AtsSpec:
    path = Path(text)
    if not path.suffix and not path.exists():
        path = MAPPINGS_DIR / "ats" / f"{text}.yaml"  # a shipped spec by name
    suite = load_suite(MAPPINGS_DIR / "suite.yaml")
    return load_ats(path, suite)


EXCHANGED = ("oauth2_client_credentials", "oauth2_authorization_code", "saml2_bearer")


def _replay_client(spec: AtsSpec, cassette: Cassette, transport: ReplayTransport) -> ApiClient:
    """A client of the spec that sends every request to the recording, at full speed.
    An auth that exchanges credentials for a token is left out (a recording made with a
    stored token holds no exchange); a static one stays, as it may be in the URL."""
    secrets = {name: f"replay-{name}" for name in spec.secrets}
    auth = NoAuth() if spec.connection.auth.type in EXCHANGED else None
    unpaced = dataclasses.replace(spec.connection.rate_limit, requests_per_second=None,
                                  remaining_header=None, reset_header=None)  # fmt: skip
    retry = dataclasses.replace(spec.connection.retry, max_attempts=1)
    connection = dataclasses.replace(spec.connection, rate_limit=unpaced, retry=retry)
    return ApiClient(name=spec.name, connection=connection, resources=spec.resources,
                     tenant="replay", secrets=secrets, urls=cassette.urls, transport=transport,
                     auth=auth)  # fmt: skip


def _refs(flow: Flow, record: Any) -> dict[str, str]:
    """Each ref as what it would point to: ``jobs_to_projects:101``."""
    return {name: f"{ref.flow}:{ref.id.search(record)}" for name, ref in flow.refs.items()}


def _show(name: str, flow: Flow, records: list[Any], spec: AtsSpec) -> tuple[int, int]:
    mapped = failed = 0
    for record in records:
        rid = spec.resources[flow.source].id.search(record)
        try:
            out = map_record(flow, record, _refs(flow, record))
        except MappingError as exc:
            failed += 1
            print(f"  fail {name} {rid}: {exc}")
            continue
        if out is None:
            print(f"  skip {name} {rid}: filtered out by when")
            continue
        mapped += 1
        print(f"  map  {name} {rid}: {json.dumps(out, ensure_ascii=False, default=str)}")
    return mapped, failed


def run_replay(args: argparse.Namespace) -> int:
    try:
        spec = _spec(args.spec)
        cassette = Cassette.load(Path(args.fixtures))
        transport = ReplayTransport(cassette)
        client = _replay_client(spec, cassette, transport)
        resources = _sources(spec, args.flow)

        async def replay() -> dict[str, list[Any]]:
            async with client:
                return {r: await _read(client, spec, r, args.limit) for r in resources}

        read = asyncio.run(replay())
    except (ConnectorError, SpecError) as exc:
        return fail(exc)
    print(f"replay of {spec.name} against {args.fixtures} (offline; nothing was written):")
    mapped = failed = 0
    for name, flow in spec.sync.items():
        if flow.direction == "to_suite" and (not args.flow or name in args.flow):
            m, f = _show(name, flow, read.get(flow.source, []), spec)
            mapped, failed = mapped + m, failed + f
    records = sum(len(r) for r in read.values())
    print(f"{spec.name}: {records} record(s) read, {mapped} mapped, {failed} failed")
    return 1 if failed else 0


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    text = "save a tenant's ATS answers to a file, for replay and tests"
    record = commands.add_parser("record", help=text, description=text)
    record.add_argument("tenant")
    record.add_argument("--out", required=True, help="the recording file to write (JSON)")
    record.add_argument("--flow", action="append", help="only what this flow reads (repeatable)")
    record.add_argument(
        "--limit", type=int, default=LIMIT, help=f"records per resource (default {LIMIT})"
    )
    add_config(record)
    record.set_defaults(run=run_record)
    text = "run a spec's flows against a recording, offline, and show what each record maps to"
    replay = commands.add_parser("replay", help=text, description=text)
    replay.add_argument("spec", help="a spec file, or the name of a shipped spec")
    replay.add_argument("--fixtures", required=True, help="a recording of `connector record`")
    replay.add_argument("--flow", action="append", help="only this flow (repeatable)")
    replay.add_argument(
        "--limit", type=int, default=LIMIT, help=f"records per resource (default {LIMIT})"
    )
    replay.set_defaults(run=run_replay)
