"""The Lever simulator on loopback, reset per test, and a webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from simulators.lever import LeverSim, create_app
from tests.simulators.loopback import Receiver, receiving, served_sim

KEY = "lever-api-key-" + "0" * 8


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[LeverSim, str]]:
    yield from served_sim(create_app(seed=1))


@pytest.fixture
def sim(served: tuple[LeverSim, str]) -> LeverSim:
    """The module's simulator, emptied, with one API key."""
    simulator, _ = served
    simulator.control_reset({})
    simulator.keys.clear()
    simulator.add_key(KEY)
    simulator.settings.webhook_backoff_seconds = 0.05
    return simulator


@pytest.fixture
def api(sim: LeverSim, served: tuple[LeverSim, str]) -> Iterator[httpx.Client]:
    """A client of /v1 with the API key as the basic auth username."""
    with httpx.Client(base_url=served[1] + "/v1", auth=(KEY, ""), timeout=10) as client:
        yield client


@pytest.fixture
def root(served: tuple[LeverSim, str]) -> str:
    return served[1]


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    yield from receiving(Receiver())
