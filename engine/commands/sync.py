"""``connector sync``, ``connector plan`` and ``connector links``."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import TextIO

from engine.commands.common import add_config, fail, load_runtime
from engine.dsl.diagnostics import SpecError
from engine.errors import ConnectorError
from engine.store.links import LinkStore
from engine.sync import PlanWriter, Step, Summary, SyncEngine
from engine.tenants import Runtime


def _flows(runtime: Runtime, tenant: str, entity: str | None) -> list[str] | None:
    if entity is None:
        return None
    spec = runtime.tenant(tenant).ats
    flows = [name for name, flow in spec.sync.items() if entity in (name, flow.link_entity)]
    if not flows:
        entities = sorted({f.link_entity for f in spec.sync.values()})
        raise ConnectorError(f"no flow syncs {entity!r}; entities: {entities}")
    return flows


class Progress:
    """A one-line live count on a terminal; nothing otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self.counts: dict[str, int] = {}
        self.flow = ""
        self.last = 0.0

    def __call__(self, step: Step) -> None:
        self.counts[step.action] = self.counts.get(step.action, 0) + 1
        self.flow = step.flow
        now = time.monotonic()
        if self.live and now - self.last > 0.1:
            self.last = now
            done = sum(self.counts.values())
            parts = ", ".join(f"{n} {a}" for a, n in sorted(self.counts.items()))
            self.stream.write(f"\r\x1b[K{self.flow}: {done} records ({parts})")
            self.stream.flush()

    def close(self) -> None:
        if self.live:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


SEEN = ("skip", "fail")  # steps that write nothing


def read_back(summary: Summary) -> list[Step]:
    """Skips of records this same run wrote, read back by a later flow (a to_ats flow
    listing the invitations a to_suite flow just created). A plan writes nothing, so it
    never sees them; leaving them out makes a plan and the sync after it count alike."""
    written = {s.target_id for s in summary.steps if s.target_id and s.action not in SEEN}
    return [s for s in summary.steps if s.action == "skip" and s.source_id in written]


def counts_line(tenant: str, summary: Summary, note: str) -> str:
    """``acme: created 3, updated 0, deleted 0, skipped 2, failed 0 (note)``: the same
    words and numbers for a plan and for the sync that follows it."""
    own = {id(step) for step in read_back(summary)}
    counts = Summary([s for s in summary.steps if id(s) not in own]).counts
    parts = ", ".join(f"{name} {n}" for name, n in counts.items())
    return f"{tenant}: {parts} ({note})"


def _report(tenant: str, summary: Summary, seconds: float, stream: TextIO) -> None:
    run = f"run {summary.run_id}, " if summary.run_id else ""
    echoes = len(read_back(summary))
    also = f"; {echoes} record(s) it wrote read back and skipped" if echoes else ""
    print(counts_line(tenant, summary, f"{run}{seconds:.1f} s{also}"), file=stream)
    for step in summary.steps:
        if step.action == "fail":
            print(f"  failed {step.flow} {step.source_id}: {step.detail}", file=stream)


def run_sync(args: argparse.Namespace) -> int:
    try:
        runtime = load_runtime(args)
        flows = _flows(runtime, args.tenant, args.entity)
        progress = Progress(sys.stderr)
        engine = SyncEngine(runtime.tenant(args.tenant), runtime.engine, on_step=progress)
        started = time.monotonic()
        try:
            summary = asyncio.run(engine.run(flows, full=args.full))
        finally:
            progress.close()
    except (ConnectorError, SpecError) as exc:
        return fail(exc)
    _report(args.tenant, summary, time.monotonic() - started, sys.stdout)
    return 1 if summary.counts["failed"] else 0


def run_plan(args: argparse.Namespace) -> int:
    try:
        runtime = load_runtime(args)
        flows = _flows(runtime, args.tenant, args.entity)
        engine = SyncEngine(runtime.tenant(args.tenant), runtime.engine, writer=PlanWriter)
        summary = asyncio.run(engine.run(flows, full=args.full))
    except (ConnectorError, SpecError) as exc:
        return fail(exc)
    print(f"plan for {args.tenant} (nothing was written):")
    for step in summary.steps:
        if step.action != "skip":
            target = f" -> {step.target_id}" if step.target_id else ""
            detail = f"  ({step.detail})" if step.detail else ""
            print(f"  {step.action:8} {step.flow:32} {step.source_id}{target}{detail}")
    print(counts_line(args.tenant, summary, "a plan: nothing was written"))
    return 0


def run_links(args: argparse.Namespace) -> int:
    try:
        runtime = load_runtime(args)
        runtime.tenant(args.tenant)
    except (ConnectorError, SpecError) as exc:
        return fail(exc)
    store = LinkStore(runtime.engine, args.tenant)
    rows = list(store.all(args.entity, search=args.search))
    print(f"{'entity':16} {'ats id':24} {'suite id':28} status")
    for link in rows:
        print(f"{link.entity:16} {link.ats_id:24} {link.suite_id:28} {link.status}")
    print(f"{len(rows)} link(s)", file=sys.stderr)
    return 0


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name, run, text in (
        ("sync", run_sync, "sync a tenant's flows now"),
        ("plan", run_plan, "show what a sync would create, update and delete, writing nothing"),
    ):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument("tenant")
        command.add_argument("--entity", help="only the flows of this entity (or this flow)")
        command.add_argument("--full", action="store_true", help="list everything, ignore cursors")
        add_config(command)
        command.set_defaults(run=run)
    links = commands.add_parser("links", help="list the equivalence table of a tenant")
    links.add_argument("tenant")
    links.add_argument("--entity")
    links.add_argument("--search", help="only ids containing this text")
    add_config(links)
    links.set_defaults(run=run_links)
