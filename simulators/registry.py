"""The ATS simulators that ship, in one list: the world and the demo use every one.

    from simulators.registry import SIMULATORS, simulator
    simulator("greenhouse").create_app()

Adding an ATS simulator is one folder (``simulators/<name>/``, built on
``simulators.kit``, with a class satisfying ``simulators.kit.protocol.AtsSimulator``),
one line here, and its test.
"""

from __future__ import annotations

from simulators.bamboohr.simulator import BambooHR
from simulators.greenhouse.simulator import Greenhouse
from simulators.kit.protocol import AtsSimulator
from simulators.lever.simulator import Lever
from simulators.teamtailor.simulator import Teamtailor
from simulators.workable.simulator import Workable

SIMULATORS: list[AtsSimulator] = [Greenhouse(), Teamtailor(), Workable(), BambooHR(), Lever()]


def simulator(name: str) -> AtsSimulator:
    """The shipped simulator of the ATS spec ``name``; KeyError names the known ones."""
    for candidate in SIMULATORS:
        if candidate.name == name:
            return candidate
    known = sorted(s.name for s in SIMULATORS)
    raise KeyError(f"no ATS simulator {name!r}; the shipped ones are {known}")
