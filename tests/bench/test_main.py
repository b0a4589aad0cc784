"""``python -m bench`` lists and runs only real benchmarks: public modules with ``run()``."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import bench
from bench.__main__ import benchmarks, main


def test_every_listed_name_is_a_benchmark() -> None:
    names = benchmarks()
    assert names == ["embeds", "idle_poll", "load", "partner", "read", "sync", "webhooks"]
    for name in names:
        assert callable(getattr(importlib.import_module(f"bench.{name}"), "run", None)), name


def test_every_module_without_run_is_private() -> None:
    public = [m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_")]
    helpers = [n for n in public if not hasattr(importlib.import_module(f"bench.{n}"), "run")]
    assert not helpers, f"bench modules without run() must be named _{helpers[0]}: {helpers}"


@pytest.mark.parametrize("argv", [["_listing_api"], ["_webhook_server"], ["nope"], []])
def test_a_helper_or_unknown_name_is_refused(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    usage = capsys.readouterr().err
    assert "NAME is one of: embeds, idle_poll, load, partner, read, sync, webhooks" in usage
    assert "_listing_api" not in usage
