"""The Workable simulator on loopback, reset per test, and a webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from simulators.workable import WorkableSim, create_app
from tests.simulators.loopback import Receiver, receiving, served_sim

TOKEN = "wk-account-token-" + "0" * 8


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[WorkableSim, str]]:
    yield from served_sim(create_app(seed=1))


@pytest.fixture
def sim(served: tuple[WorkableSim, str]) -> WorkableSim:
    """The module's simulator, emptied, with one account token."""
    simulator, _ = served
    simulator.control_reset({})
    simulator.tokens.clear()
    simulator.add_token(TOKEN)
    simulator.settings.webhook_retry_delays = [0.05]
    return simulator


@pytest.fixture
def api(sim: WorkableSim, served: tuple[WorkableSim, str]) -> Iterator[httpx.Client]:
    """A client of /spi/v3 with the account token."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=served[1] + "/spi/v3", headers=headers, timeout=10) as client:
        yield client


@pytest.fixture
def root(served: tuple[WorkableSim, str]) -> str:
    return served[1]


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    yield from receiving(Receiver())
