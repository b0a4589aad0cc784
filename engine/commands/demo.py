"""``connector demo [--check]``: the whole product on loopback, in one command.

The demo lives with the simulators, which the engine never imports: it is found through
the ``connector.simulators`` entry point named ``demo``, a
``run(check: bool, ats: str | None) -> int`` (``ats`` names the ATS simulator to play
against, None the first shipped)::

    [project.entry-points."connector.simulators"]
    demo = "simulators.demo:run"

Without the simulators installed, the command says so and exits 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from importlib.metadata import entry_points

GROUP = "connector.simulators"
DemoRunner = Callable[[bool, str | None], int]


class SimulatorsMissing(LookupError):
    """The ``connector.simulators`` entry point ``demo`` is not installed."""


def load_demo() -> DemoRunner:
    found = entry_points(group=GROUP, name="demo")
    if not found:
        raise SimulatorsMissing(
            f"connector demo needs the simulators: no entry point 'demo' in group {GROUP!r}; "
            "install Connector with its simulators (pip install -e .)"
        )
    runner: DemoRunner = next(iter(found)).load()
    return runner


def run_demo(args: argparse.Namespace) -> int:
    try:
        runner = load_demo()
    except SimulatorsMissing as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2
    return runner(bool(args.check), args.ats)


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo", help="run the simulators and Connector on loopback and play a scenario end to end"
    )
    demo.add_argument(
        "--check", action="store_true", help="run headless; exit 0 only if every step passed"
    )
    demo.add_argument(
        "--ats",
        metavar="NAME",
        help="the ATS to play against, by its spec's name (default: the first shipped)",
    )
    demo.set_defaults(run=run_demo)
