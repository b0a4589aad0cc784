"""The idle poll makes O(1) requests, whatever the record count: one list request per
polled flow, none to the suite, on an ATS of 200 synced applications as on 2,000."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bench._idle_world import idle_world, poll


def _idle_requests(directory: Path, records: int) -> dict[str, Counter[str]]:
    with idle_world(directory, records=records) as (world, runtime, counts):
        assert len(world.greenhouse.data.tables["applications"]) == records
        poll(runtime)  # stores the OAuth tokens
        for side in counts.values():
            side.clear()
        summary = poll(runtime)
        assert summary.counts["created"] == summary.counts["updated"] == 0
        return {side: Counter(c) for side, c in counts.items()}


@pytest.mark.parametrize("records", [200, 2_000])
def test_an_idle_poll_lists_each_flow_once_and_writes_nothing(tmp_path: Path, records: int) -> None:
    counts = _idle_requests(tmp_path, records)
    assert counts["ats"] == {"GET /v3/jobs": 1, "GET /v3/applications": 1, "GET /v3/users": 1}
    assert counts["suite"] == {}
