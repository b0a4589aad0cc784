"""Hypothesis profiles: ``ci`` (picked when ``CI`` is set) replays the same examples on
every run, so a red CI is a red CI again; ``dev`` explores new ones each time. Neither
keeps an example database in the tree."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", database=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)
