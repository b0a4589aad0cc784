"""The fault knobs every simulator has, decided per request from seeded RNGs.

    POST /_sim/faults {"error_rate": 0.2, "latency_ms": 30, "drop_webhooks": 0.1, "seed": 7,
                       "burst_429": {"every": 10, "length": 3, "retry_after": 1},
                       "lost_responses": 0.5, "unavailable_s": 60}

    faults = FaultModel(seed=7, error_statuses=(500, 503))
    faults.set(Faults(error_rate=0.2))
    fault = faults.request_fault("acme")    # None, or Fault(status=500) / Fault(429, 1)

A burst of 429s is counted per caller key: of every ``every`` requests, the last ``length``
are refused with ``Retry-After: retry_after``. Errors, dropped webhooks and lost responses
draw from three RNGs seeded from ``seed``, so the same run sees the same faults, and
turning one knob does not shift the others. ``unavailable_s`` is an outage: every
request is answered 503 for that many seconds from when the knob is set, then none is.
``injected`` counts what was done.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from simulators.kit.errors import Invalid

FAULT_KEYS = frozenset(
    {"error_rate", "latency_ms", "burst_429", "drop_webhooks", "seed", "lost_responses",
     "unavailable_s"}
)  # fmt: skip


@dataclass(frozen=True)
class Burst:
    every: int
    length: int
    retry_after: int


@dataclass(frozen=True)
class Faults:
    error_rate: float = 0.0
    latency_ms: float = 0.0
    burst_429: Burst | None = None
    drop_webhooks: float = 0.0
    seed: int = 0
    lost_responses: float = 0.0
    """Share of writes that are applied but answered 502, as when a response is lost."""
    unavailable_s: float = 0.0
    """An outage: every request is answered 503 for this long after the knob is set."""

    @classmethod
    def parse(cls, body: Mapping[str, Any], default_seed: int = 0) -> Faults:
        """The faults of a control request; ``Invalid`` names every bad knob."""
        problems = {
            name: f"unknown fault; valid faults are {sorted(FAULT_KEYS)}"
            for name in body
            if name not in FAULT_KEYS
        }
        for name in ("error_rate", "drop_webhooks", "lost_responses"):
            value = body.get(name, 0.0)
            if not _number(value) or not 0 <= value <= 1:
                problems[name] = f"must be a number from 0 to 1, got {value!r}"
        for name in ("latency_ms", "unavailable_s"):
            value = body.get(name, 0)
            if not _number(value) or value < 0:
                problems[name] = f"must be a number >= 0, got {value!r}"
        latency = body.get("latency_ms", 0)
        seed = body.get("seed", default_seed)
        if not _integer(seed):
            problems["seed"] = f"must be an integer, got {seed!r}"
        burst = _burst(body.get("burst_429"), problems)
        if problems:
            raise Invalid(problems)
        return cls(float(body.get("error_rate", 0.0)), float(latency), burst,
                   float(body.get("drop_webhooks", 0.0)), seed,
                   float(body.get("lost_responses", 0.0)),
                   float(body.get("unavailable_s", 0.0)))  # fmt: skip


def _burst(value: Any, problems: dict[str, str]) -> Burst | None:
    if value is None:
        return None
    keys = ("every", "length", "retry_after")
    values: list[Any] = [value.get(k) for k in keys] if isinstance(value, dict) else []
    if len(values) == 3 and all(map(_integer, values)) and 0 < values[1] <= values[0]:
        return Burst(*values)
    problems["burst_429"] = (
        "must be {every, length, retry_after}, integers with 0 < length <= every"
    )
    return None


@dataclass(frozen=True)
class Fault:
    """What to answer instead of the request: a status, and Retry-After for a 429."""

    status: int
    retry_after: int | None = None

    def headers(self) -> dict[str, str]:
        """``Retry-After`` where the fault names a wait."""
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}


class FaultModel:
    """The faults in force, their RNGs and the count of what they did."""

    def __init__(self, *, seed: int = 0, error_statuses: tuple[int, ...] = (500, 503)) -> None:
        self.seed = seed
        self.error_statuses = error_statuses
        self.set(Faults(seed=seed))

    def set(self, faults: Faults) -> Faults:
        """Replace every knob (a missing one is off) and reseed the RNGs."""
        self.settings = faults
        self.requests = random.Random(faults.seed)
        self.webhooks = random.Random(faults.seed + 1)
        self.lost = random.Random(faults.seed + 2)
        self._seen: dict[str, int] = {}
        self.injected = {"errors": 0, "throttled": 0, "dropped_webhooks": 0, "lost_responses": 0,
                         "unavailable": 0}  # fmt: skip
        self.down_until = time.monotonic() + faults.unavailable_s
        return faults

    def reset(self) -> None:
        self.set(Faults(seed=self.seed))

    def latency(self) -> float:
        """Seconds to wait before answering."""
        return self.settings.latency_ms / 1000

    def request_fault(self, key: str = "") -> Fault | None:
        """The fault for the next request of caller ``key``, if any."""
        if time.monotonic() < self.down_until:
            self.injected["unavailable"] += 1
            return Fault(503)
        burst = self.settings.burst_429
        seen = self._seen.get(key, 0)
        self._seen[key] = seen + 1
        if burst is not None and seen % burst.every >= burst.every - burst.length:
            self.injected["throttled"] += 1
            return Fault(429, burst.retry_after)
        rate = self.settings.error_rate
        if rate and self.requests.random() < rate:
            self.injected["errors"] += 1
            return Fault(self.requests.choice(self.error_statuses))
        return None

    def lose_response(self) -> bool:
        """Whether to answer a write that was applied with a 502 instead of its result."""
        rate = self.settings.lost_responses
        if rate and self.lost.random() < rate:
            self.injected["lost_responses"] += 1
            return True
        return False

    def drop_webhook(self) -> bool:
        """Whether a webhook message is never sent."""
        rate = self.settings.drop_webhooks
        if rate and self.webhooks.random() < rate:
            self.injected["dropped_webhooks"] += 1
            return True
        return False

    def dump(self) -> dict[str, Any]:
        return {**asdict(self.settings), "injected": dict(self.injected)}


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
