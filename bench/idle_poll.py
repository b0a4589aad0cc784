"""The requests an idle poll makes (one that finds nothing new) on an ATS holding
100,000 applications, all synced. Baseline, same run: the same poll on 1,000.

The records are loaded into the simulator and the database directly (``_idle_world``),
and the requests are counted on the simulators' side, ATS and suite. A warm poll is
counted (the OAuth token of the first is then stored); a ratio of 1.00 is O(1).

Last line: ``idle_poll: requests=<n> suite_requests=<n> ms=<poll> baseline=<n>
baseline_ms=<poll> ratio=<requests over baseline's> requests_10000=<n> ms_10000=<poll>``
(the middle size for the chart).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench._idle_world import idle_world, poll

RECORDS, BASELINE = 100_000, 1_000
BETWEEN = (10_000,)  # for the chart: requests against record count
ROUNDS = 3


def measure(records: int) -> tuple[int, int, float]:
    """Requests to the ATS and to the suite of a warm idle poll, and its best time in ms."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        idle_world(Path(tmp), records=records) as (
            _,
            runtime,
            counts,
        ),
    ):
        poll(runtime)  # the first fetches and stores the OAuth tokens
        times = []
        for _ in range(ROUNDS):
            for side in counts.values():
                side.clear()
            start = time.perf_counter()
            summary = poll(runtime)
            times.append((time.perf_counter() - start) * 1000)
            assert summary.counts["created"] == summary.counts["updated"] == 0, summary.counts
        print(f"records={records} ats={dict(counts['ats'])} suite={dict(counts['suite'])}")
        return sum(counts["ats"].values()), sum(counts["suite"].values()), min(times)


def run() -> str:
    base, base_suite, base_ms = measure(BASELINE)
    between = ""
    for size in BETWEEN:
        ats, suite, ms = measure(size)
        between += f" requests_{size}={ats + suite} ms_{size}={ms:.0f}"
    requests, suite, ms = measure(RECORDS)
    total, base_total = requests + suite, base + base_suite
    return (
        f"idle_poll: requests={total} suite_requests={suite} ms={ms:.0f} "
        f"baseline={base_total} baseline_ms={base_ms:.0f} ratio={total / base_total:.2f}"
        f"{between}"
    )
