"""Fixtures: a whole integration (both simulators, a tenant, SQLite) on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from simulators.world import World


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """On SQLite."""
    with World(tmp_path) as world:
        world.suite.settings.webhook_backoff = 0.02
        yield world


@pytest.fixture
def any_world(tmp_path: Path, database_url: str) -> Iterator[World]:
    """Once on SQLite, once on PostgreSQL."""
    with World(tmp_path, database_url=database_url) as world:
        world.suite.settings.webhook_backoff = 0.02
        yield world
