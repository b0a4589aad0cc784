"""The Teamtailor simulator on loopback, reset per test, an API client and a receiver."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from simulators.teamtailor import TeamtailorSim, create_app
from tests.simulators.loopback import Receiver, receiving, served_sim

KEY = "tt-test-key"
VERSION = "20240404"


@dataclass
class Env:
    sim: TeamtailorSim
    url: str
    api: httpx.Client  # authenticated, with the version header
    http: httpx.Client  # no auth: the control plane and refusals


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[TeamtailorSim, str]]:
    yield from served_sim(create_app(seed=1))


@pytest.fixture
def env(served: tuple[TeamtailorSim, str]) -> Iterator[Env]:
    sim, url = served
    sim.control_reset({})
    sim.configure(rate_limit=50, rate_window_seconds=10.0)
    sim.add_api_key(KEY)
    headers = {"Authorization": f"Token token={KEY}", "X-Api-Version": VERSION}
    with (
        httpx.Client(base_url=url, headers=headers, timeout=10) as api,
        httpx.Client(base_url=url, timeout=10) as http,
    ):
        yield Env(sim, url, api, http)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    yield from receiving(Receiver())
