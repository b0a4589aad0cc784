"""``python -m bench`` lists and runs only real benchmarks: public modules with ``run()``."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import bench
from bench.__main__ import ROWS, Row, benchmarks, main, parse, rows, table


def test_every_listed_name_is_a_benchmark() -> None:
    names = benchmarks()
    assert names == [
        "embeds",
        "idle_poll",
        "latency",
        "load",
        "partner",
        "read",
        "scaleout",
        "sync",
        "webhooks",
    ]
    for name in names:
        assert callable(getattr(importlib.import_module(f"bench.{name}"), "run", None)), name


def test_every_module_without_run_is_private() -> None:
    public = [m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_")]
    helpers = [n for n in public if not hasattr(importlib.import_module(f"bench.{n}"), "run")]
    assert not helpers, f"bench modules without run() must be named _{helpers[0]}: {helpers}"


@pytest.mark.parametrize(
    "argv", [["_listing_api"], ["_webhook_server"], ["nope"], ["load", "nope"]]
)
def test_a_helper_or_unknown_name_is_refused(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    usage = capsys.readouterr().err
    assert f"NAME is one of: {', '.join(benchmarks())}" in usage
    assert "_listing_api" not in usage


def test_list_prints_every_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list"]) == 0
    assert capsys.readouterr().out.split() == benchmarks()


def test_every_benchmark_has_rows_in_the_table() -> None:
    assert sorted(ROWS) == benchmarks()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("read: rate=500 baseline=1000 ratio=0.50 rss_mb=80",
         [Row("read", "list records/s vs plain httpx loop", "500", "1000", "0.50")]),
        ("latency: p50_ms=30 p99_ms=90 baseline_p50_ms=3.0 baseline_p99_ms=9.0 ratio=10.0",
         [Row("latency", "webhook-to-suite p50 ms vs direct write", "30", "3.0", "10.00"),
          Row("latency", "webhook-to-suite p99 ms vs direct write", "90", "9.0", "10.00")]),
        ("newbench: a=1 b=2", [Row("newbench", "a", "1", "", ""), Row("newbench", "b", "2", "", "")]),
    ],
)  # fmt: skip
def test_a_last_line_becomes_table_rows(line: str, expected: list[Row]) -> None:
    name, figures = parse(line)
    assert rows(name, figures) == expected


def test_the_table_aligns_its_columns() -> None:
    text = table([Row("read", "list records/s", "500", "1000", "0.50")]).splitlines()
    assert text[0].split() == ["benchmark", "figure", "value", "baseline", "ratio"]
    assert text[1].split() == ["read", "list", "records/s", "500", "1000", "0.50"]
    assert len(text[0]) == len(text[1])
