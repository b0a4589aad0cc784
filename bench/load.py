"""Load and compile every shipped spec, cold: no cached schema, validator or spec.

Baseline: a plain safe load of the same files with libyaml's ``CSafeLoader`` (as the
spec loader parses with it, where PyYAML was built with it), the least any loader must
do. The ratio shows what positions, validation, compilation and the lint rules cost on
top.
"""

from __future__ import annotations

import statistics
import time

import yaml

from engine.dsl import build, schemas
from engine.dsl.loader import load_catalog
from engine.paths import MAPPINGS_DIR

ROUNDS = 15
FASTEST: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _cold() -> None:
    for cached in (schemas.load_schema, schemas._registry, schemas.validator, build.hints):
        cached.cache_clear()


def _time(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return (time.perf_counter() - start) * 1000


def run() -> str:
    files = sorted(MAPPINGS_DIR.rglob("*.yaml"))
    ours, base = [], []
    for _ in range(ROUNDS):
        _cold()
        ours.append(_time(lambda: load_catalog(MAPPINGS_DIR)))
        base.append(_time(lambda: [yaml.load(f.read_text(), Loader=FASTEST) for f in files]))
    catalog = load_catalog(MAPPINGS_DIR)
    specs = 1 + len(catalog.ats)
    ms, baseline = statistics.median(ours), statistics.median(base)
    print(f"rounds={ROUNDS} first_ms={ours[0]:.1f} max_ms={max(ours):.1f}")
    return f"load: specs={specs} ms={ms:.1f} baseline_ms={baseline:.1f} ratio={ms / baseline:.2f}"
