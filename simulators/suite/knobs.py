"""The knobs tests turn: settings, rate limits and injected faults, decided per request.

    POST /_sim/settings {"access_token_ttl": 1, "rate_limit": 50, "rate_window": 1}
    POST /_sim/faults   {"error_rate": 0.2, "latency_ms": 30, "drop_webhooks": 0.1, "seed": 7,
                         "burst_429": {"every": 10, "length": 3, "retry_after": 1}}

A burst of 429s is counted per company: of every ``every`` requests, the last ``length`` are
refused with ``Retry-After: retry_after``. Random faults and dropped webhooks draw from one
RNG seeded with ``seed``, so the same run sees the same faults.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from simulators.suite_errors import ApiError, RateLimited, ServerFault, ValidationFailed
from simulators.suite_records import json_type


@dataclass
class Settings:
    access_token_ttl: float = 3600.0
    code_ttl: float = 60.0
    rate_limit: int = 100_000
    rate_window: float = 10.0
    webhook_attempts: int = 8
    webhook_backoff: float = 0.5
    webhook_timeout: float = 10.0
    saml_skew: float = 60.0

    def apply(self, body: Mapping[str, Any]) -> None:
        """Set the fields named in ``body``, all or none."""
        known = {f.name: f for f in fields(self)}
        problems: dict[str, str] = {}
        for name, value in body.items():
            if name not in known:
                problems[name] = f"unknown setting; valid settings are {sorted(known)}"
            elif not _number(value) or value <= 0:
                problems[name] = f"must be a positive number, got {value!r}"
            elif known[name].type == "int" and not isinstance(value, int):
                problems[name] = f"must be an integer, got {json_type(value)}"
        if problems:
            raise ValidationFailed(problems)
        for name, value in body.items():
            setattr(self, name, value)


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

    @classmethod
    def parse(cls, body: Mapping[str, Any], default_seed: int) -> Faults:
        problems: dict[str, str] = {}
        for name in ("error_rate", "drop_webhooks", "lost_responses"):
            value = body.get(name, 0.0)
            if not _number(value) or not 0 <= value <= 1:
                problems[name] = f"must be a number from 0 to 1, got {value!r}"
        latency = body.get("latency_ms", 0)
        if not _number(latency) or latency < 0:
            problems["latency_ms"] = f"must be a number >= 0, got {latency!r}"
        seed = body.get("seed", default_seed)
        if not _integer(seed):
            problems["seed"] = f"must be an integer, got {json_type(seed)}"
        burst = body.get("burst_429")
        parsed: Burst | None = None
        if burst is not None:
            keys = ("every", "length", "retry_after")
            values: list[Any] = [burst.get(k) for k in keys] if isinstance(burst, dict) else []
            if len(values) == 3 and all(map(_integer, values)) and 0 < values[1] <= values[0]:
                parsed = Burst(*values)
            else:
                problems["burst_429"] = (
                    "must be {every, length, retry_after}, integers with 0 < length <= every"
                )
        if problems:
            raise ValidationFailed(problems)
        return cls(float(body.get("error_rate", 0.0)), float(latency), parsed,
                   float(body.get("drop_webhooks", 0.0)), seed,
                   float(body.get("lost_responses", 0.0)))  # fmt: skip


@dataclass
class Verdict:
    """What the gateway does with one request: headers always, maybe a refusal or a delay."""

    limit: int
    remaining: int
    reset: int
    error: ApiError | None = None
    delay: float = 0.0
    lose: bool = False

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"x-ratelimit-limit", str(self.limit).encode()),
            (b"x-ratelimit-remaining", str(self.remaining).encode()),
            (b"x-ratelimit-reset", str(self.reset).encode()),
        ]


@dataclass
class Traffic:
    settings: Settings
    clock: Callable[[], float]
    seed: int = 0
    faults: Faults = field(init=False)
    rng: random.Random = field(init=False)
    _windows: dict[str, tuple[float, int]] = field(init=False, default_factory=dict)
    _seen: dict[str, int] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.set_faults(Faults(seed=self.seed))

    def set_faults(self, faults: Faults) -> None:
        self.faults = faults
        self.rng = random.Random(faults.seed)
        self._seen.clear()

    def reset(self) -> None:
        self.set_faults(Faults(seed=self.seed))
        self._windows.clear()

    def admit(self, company: str, *, faults: bool = True, write: bool = False) -> Verdict:
        """Count one request of ``company`` in its fixed window and decide its fate."""
        now = self.clock()
        limit, window = self.settings.rate_limit, self.settings.rate_window
        started, count = self._windows.get(company, (now, 0))
        if now >= started + window:
            started, count = now, 0
        count += 1
        self._windows[company] = (started, count)
        reset = max(1, math.ceil(started + window - now))
        verdict = Verdict(limit, max(0, limit - count), reset)
        if count > limit:
            verdict.error = RateLimited(
                f"rate limit of {limit} requests per {window:g} s exceeded",
                headers={"Retry-After": str(reset)},
            )
        if not faults:
            return verdict
        verdict.delay = self.faults.latency_ms / 1000
        burst = self.faults.burst_429
        seen = self._seen.get(company, 0)
        self._seen[company] = seen + 1
        if (
            verdict.error is None
            and burst is not None
            and seen % burst.every >= burst.every - burst.length
        ):
            verdict.remaining, verdict.reset = 0, burst.retry_after
            verdict.error = RateLimited(
                "too many requests", headers={"Retry-After": str(burst.retry_after)}
            )
        rate = self.faults.error_rate
        if verdict.error is None and rate and self.rng.random() < rate:
            verdict.error = ServerFault(self.rng.choice((500, 503)))
        lost = self.faults.lost_responses
        if verdict.error is None and write and lost and self.rng.random() < lost:
            verdict.lose = True
        return verdict

    def drop_message(self) -> bool:
        return bool(self.faults.drop_webhooks) and self.rng.random() < self.faults.drop_webhooks

    def dump(self) -> dict[str, Any]:
        return asdict(self.faults)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
