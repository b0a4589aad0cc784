"""The Greenhouse simulator on loopback, reset per test, and a webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from simulators.greenhouse import GreenhouseSim, create_app
from simulators.serving import LoopbackServer
from tests.simulators.greenhouse.support import CLIENT, FAST_RETRIES, SECRET, Env, Receiver


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[GreenhouseSim, str]]:
    app = create_app(seed=1)
    sim: GreenhouseSim = app.state.sim
    sim.add_client(CLIENT, SECRET)
    with LoopbackServer(app) as server:
        yield sim, server.url


@pytest.fixture
def env(served: tuple[GreenhouseSim, str]) -> Iterator[Env]:
    """The module's server, reset to defaults, with three users."""
    sim, url = served
    sim.reset(config=True)
    sim.configure(webhook_retry_delays=FAST_RETRIES, webhook_timeout_seconds=2)
    sim.seed_data(users=3)
    with httpx.Client(base_url=url, timeout=10) as http:
        environment = Env(sim, http, url)
        yield environment
        for client in environment.clients:
            client.close()


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    rec = Receiver()
    with LoopbackServer(rec.app) as server:
        yield rec, server.url + "/hook"
