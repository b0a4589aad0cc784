"""Polling cursors: the newest change time seen, and the ``since`` sent next time.

Cursors are stored as ISO 8601 UTC strings with microseconds, so the newest of two is
simply the larger string. ``since`` is written in the format the ATS filter wants,
an overlap window earlier than the cursor, for clock skew and same-second writes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from engine.dsl.model import Incremental


def _parse(value: Any) -> datetime | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):  # epoch milliseconds, as in the conversion functions
        return datetime.fromtimestamp(value / 1000, UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def record_time(value: Any) -> str | None:
    """A record's change time as a cursor string, or None when it has none."""
    moment = _parse(value)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment else None


def next_since(cursor: str, overlap: float, incremental: Incremental | None) -> str:
    moment = _parse(cursor)
    if moment is None:
        return cursor
    moment -= timedelta(seconds=overlap)
    fmt = incremental.format if incremental else "iso8601"
    if fmt == "epoch_ms":
        return str(int(moment.timestamp() * 1000))
    if fmt == "epoch_seconds":
        return str(int(moment.timestamp()))
    if fmt == "date":
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
