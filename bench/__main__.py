"""Run the benchmarks: all of them with one table at the end, or one by name.

    $ python -m bench                   # every benchmark, each in a process of its own
    ...
    benchmark  figure                                   value  baseline  ratio
    webhooks   ingest events/s vs bare Starlette         1234      5678   0.22
    ...
    $ python -m bench load              # one, as its module prints it
    load: specs=... ms=... baseline_ms=... ratio=...
    $ python -m bench --list
    $ python -m bench --chart docs/performance.png [NAME ...]

A benchmark is a public module of ``bench`` with ``run() -> str``, whose last line reads
``NAME: key=value ...``. The servers and shared code the benchmarks start are private
(``_listing_api``, ``_support``, ...), so they are neither listed nor runnable from here.
Which keys of a last line make the table's rows is said once, in ``ROWS``.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import bench

# benchmark -> its rows: (figure, value key, baseline key, ratio key or None to divide)
ROWS: dict[str, list[tuple[str, str, str, str | None]]] = {
    "webhooks": [("ingest events/s vs bare Starlette", "rate", "baseline", "ratio")],
    "read": [("list records/s vs plain httpx loop", "rate", "baseline", "ratio")],
    "sync": [("end-to-end applications/s vs httpx writes", "rate", "baseline", "ratio")],
    "latency": [
        ("webhook-to-suite p50 ms vs direct write", "p50_ms", "baseline_p50_ms", None),
        ("webhook-to-suite p99 ms vs direct write", "p99_ms", "baseline_p99_ms", None),
    ],
    "embeds": [
        ("widget renders/s, warm, vs bare Starlette", "warm", "baseline", "warm_ratio"),
        ("widget renders/s, cold, vs bare Starlette", "cold", "baseline", "cold_ratio"),
    ],
    "scaleout": [("events/s, 2 workers vs 1, PostgreSQL", "rate", "baseline", "ratio")],
    "idle_poll": [
        ("idle poll requests, 100,000 vs 1,000 records", "requests", "baseline", "ratio")
    ],
    "load": [("spec load ms vs libyaml safe load", "ms", "baseline_ms", "ratio")],
    "partner": [
        ("partner routes p99 ms vs bare Starlette", "p99_ms", "baseline_p99_ms", None),
        ("partner routes req/s vs bare Starlette", "rate", "baseline", "ratio"),
    ],
}
ORDER = ["webhooks", "read", "sync", "latency", "embeds", "scaleout", "idle_poll", "load",
         "partner"]  # fmt: skip


@dataclass(frozen=True)
class Row:
    benchmark: str
    figure: str
    value: str
    baseline: str
    ratio: str


def benchmarks() -> list[str]:
    """The names ``python -m bench`` accepts, sorted: ``['embeds', 'load', ...]``."""
    return sorted(
        m.name
        for m in pkgutil.iter_modules(bench.__path__)
        if not m.name.startswith("_") and not m.ispkg
    )


def parse(line: str) -> tuple[str, dict[str, str]]:
    """A benchmark's last line: ``"read: rate=5 baseline=10"`` -> ``("read", {...})``."""
    name, _, rest = line.strip().partition(":")
    figures = dict(pair.split("=", 1) for pair in rest.split() if "=" in pair)
    return name, figures


def rows(name: str, figures: dict[str, str]) -> list[Row]:
    """The table rows of one benchmark's figures (every key, if ``ROWS`` names none)."""
    out = []
    for figure, value, baseline, ratio in ROWS.get(name, []):
        if value not in figures:
            continue
        base = figures.get(baseline, "")
        if ratio is not None:
            shown = figures.get(ratio, "")
        else:
            try:
                shown = f"{float(figures[value]) / float(base):.2f}"
            except (ValueError, ZeroDivisionError):
                shown = ""
        out.append(Row(name, figure, figures[value], base, shown))
    if not out:
        out = [Row(name, key, value, "", "") for key, value in figures.items()]
    return out


def table(all_rows: list[Row]) -> str:
    head = Row("benchmark", "figure", "value", "baseline", "ratio")
    lines = [head, *all_rows]
    widths = [max(len(getattr(r, f)) for r in lines) for f in ("benchmark", "figure", "value",
                                                               "baseline", "ratio")]  # fmt: skip
    text = []
    for r in lines:
        cells = (r.benchmark, r.figure, r.value, r.baseline, r.ratio)
        text.append("  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                              for i, (c, w) in enumerate(zip(cells, widths, strict=True))))  # fmt: skip
    return "\n".join(line.rstrip() for line in text)


def run_all(names: list[str], timeout: float = 900.0) -> tuple[dict[str, dict[str, str]], int]:
    """Each benchmark in a process of its own (peak memory is per process), its output
    passed through; the figures of each last line, and how many failed."""
    results: dict[str, dict[str, str]] = {}
    failed = 0
    for name in names:
        print(f"== {name}", flush=True)
        start = time.monotonic()
        try:
            done = subprocess.run([sys.executable, "-m", "bench", name], stdout=subprocess.PIPE,
                                  text=True, timeout=timeout, check=False)  # fmt: skip
        except subprocess.TimeoutExpired:
            print(f"{name}: timed out after {timeout:.0f} s", flush=True)
            failed += 1
            continue
        print(done.stdout, end="", flush=True)
        lines = done.stdout.strip().splitlines()
        if done.returncode != 0 or not lines or not lines[-1].startswith(f"{name}:"):
            print(f"{name}: failed (exit {done.returncode})", flush=True)
            failed += 1
            continue
        results[name] = parse(lines[-1])[1]
        print(f"({time.monotonic() - start:.0f} s)", flush=True)
    return results, failed


def main(argv: list[str]) -> int:
    names = benchmarks()
    parser = argparse.ArgumentParser(
        prog="python -m bench", usage=f"python -m bench NAME   (NAME is one of: {', '.join(names)})"
    )
    parser.add_argument("names", nargs="*", metavar="NAME")
    parser.add_argument("--list", action="store_true", help="list the benchmarks")
    parser.add_argument("--chart", type=Path, help="also draw the chart (a PNG) at this path")
    try:
        args = parser.parse_args(argv)
    except SystemExit:
        return 2
    unknown = [n for n in args.names if n not in names]
    if unknown:
        print(f"usage: python -m bench NAME   (NAME is one of: {', '.join(names)})",
              file=sys.stderr)  # fmt: skip
        return 2
    if args.list:
        print("\n".join(names))
        return 0
    if len(args.names) == 1 and args.chart is None:
        module = importlib.import_module(f"bench.{args.names[0]}")
        print(module.run())
        return 0
    chosen = args.names or [*(n for n in ORDER if n in names), *(n for n in names
                                                                  if n not in ORDER)]  # fmt: skip
    results, failed = run_all(chosen)
    print()
    print(table([row for name in chosen if name in results
                 for row in rows(name, results[name])]))  # fmt: skip
    if args.chart is not None:
        from bench._chart import draw

        draw(results, args.chart)
        print(f"chart: {args.chart}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
