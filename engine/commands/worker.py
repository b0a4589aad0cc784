"""``connector worker``: the inbox workers and the polling scheduler, without the web app.

    $ connector worker                 # until SIGINT or SIGTERM
    connector worker w-1a2b: claiming from postgresql+psycopg://…/connector (scheduler on)

Any number run against one PostgreSQL: they claim events with ``FOR UPDATE SKIP
LOCKED`` under leases they renew while they work, so a worker that dies hands its events
to the others, and each record's events stay in order. Each fires the scheduler's polls
too: a poll is stored once whoever finds it due (its dedup key names the slot). On
SQLite a second worker process is refused (``engine.work.exclusive``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import signal
import sys

from engine.commands.common import add_config, fail, load_runtime
from engine.dsl.diagnostics import SpecError
from engine.errors import ConnectorError
from engine.store.inbox import Inbox
from engine.store.migrate import shown
from engine.work.exclusive import worker_slot
from engine.work.scheduler import Scheduler
from engine.work.worker import Worker


async def _work(worker: Worker, scheduler: Scheduler | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on every platform
            loop.add_signal_handler(number, stop.set)
    tasks = [asyncio.create_task(worker.run(stop))]
    if scheduler is not None:
        tasks.append(asyncio.create_task(scheduler.run(stop)))
    await asyncio.gather(*tasks)


def run(args: argparse.Namespace) -> int:
    try:
        runtime = load_runtime(args)
        name = args.name or f"w-{os.getpid()}-{secrets.token_hex(2)}"
        with worker_slot(runtime):
            inbox = Inbox(runtime.engine)
            worker = Worker(runtime, inbox, name=name, batch=args.batch)
            inbox.listen(worker.wake)  # the scheduler's polls are claimed as they are stored
            scheduler = None if args.no_scheduler else Scheduler(runtime, inbox)
            where = shown(runtime.database_url)
            state = "off" if scheduler is None else "on"
            print(f"connector worker {name}: claiming from {where} (scheduler {state})",
                  file=sys.stderr, flush=True)  # fmt: skip
            asyncio.run(_work(worker, scheduler))
    except (ConnectorError, SpecError) as exc:
        return fail(exc)
    print(f"connector worker {name}: stopped ({worker.processed} done, {worker.failed} failed)",
          file=sys.stderr, flush=True)  # fmt: skip
    return 0


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    text = "run the inbox workers and the polling scheduler, without the web app"
    command = commands.add_parser("worker", help=text, description=text)
    command.add_argument("--name", help="the worker's name in leases and logs (default: pid-based)")
    command.add_argument(
        "--batch", type=int, default=20, help="events claimed at a time (default 20)"
    )
    command.add_argument(
        "--no-scheduler", action="store_true", help="claim events only, fire no polls"
    )
    add_config(command)
    command.set_defaults(run=run)
