"""Run one benchmark: ``python -m bench NAME``.

    $ python -m bench load
    load: specs=... ms=... baseline_ms=... ratio=...

A benchmark is a public module of ``bench`` with ``run() -> str``. The servers and
shared code the benchmarks start are private (``_listing_api``, ``_support``, ...), so
they are neither listed nor runnable from here.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def benchmarks() -> list[str]:
    """The names ``python -m bench`` accepts, sorted: ``['embeds', 'load', ...]``."""
    return sorted(
        m.name
        for m in pkgutil.iter_modules(bench.__path__)
        if not m.name.startswith("_") and not m.ispkg
    )


def main(argv: list[str]) -> int:
    names = benchmarks()
    if len(argv) != 1 or argv[0] not in names:
        print(
            f"usage: python -m bench NAME   (NAME is one of: {', '.join(names)})", file=sys.stderr
        )
        return 2
    module = importlib.import_module(f"bench.{argv[0]}")
    print(module.run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
