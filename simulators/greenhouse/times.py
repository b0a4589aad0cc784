"""Timestamps of the Greenhouse simulator's records.

>>> iso_ms(1_704_164_645_678)
'2024-01-02T03:04:05.678Z'
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime

from simulators.greenhouse.errors import unprocessable

# Timestamps: records carry fixed-width UTC strings with milliseconds, so that comparing
# the strings compares the instants ("2024-01-02T03:04:05.678Z").


def iso_ms(ms: int) -> str:
    seconds, millis = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def iso(ts: float) -> str:
    return iso_ms(math.floor(ts * 1000))


def iso_seconds(stamp: str | None) -> str | None:
    """The v1 webhook form of a timestamp: whole seconds, `Z`."""
    return None if stamp is None else stamp[:19] + "Z"


def parse_instant(text: str) -> float:
    """An ISO 8601 instant as epoch seconds; a value without offset is UTC."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO 8601 timestamp: {text!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def canonical(text: str, field: str) -> str:
    """Normalise a timestamp given to the control plane to the record form."""
    try:
        return iso(parse_instant(text))
    except ValueError as exc:
        raise unprocessable(str(exc), field) from None
