"""Run one benchmark: ``python -m bench NAME``."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def main(argv: list[str]) -> int:
    names = sorted(
        m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_")
    )
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
