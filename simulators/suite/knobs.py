"""The suite's settings, and the gateway's verdict on each request.

    POST /_sim/settings {"access_token_ttl": 1, "rate_limit": 50, "rate_window": 1}
    POST /_sim/faults   {"error_rate": 0.2, "burst_429": {...}}   (simulators.kit.faults)

The rate limit is a fixed window per company (``simulators.kit.ratelimit``); a burst of
429s and the other faults are the kit's, counted per company too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from simulators.kit.faults import FaultModel
from simulators.kit.ratelimit import FixedWindow
from simulators.suite.errors import ApiError, RateLimited, ServerFault, ValidationFailed
from simulators.suite.records import json_type


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


class Traffic:
    """The gateway's decision per request: the company's fixed window, then the faults."""

    def __init__(self, settings: Settings, faults: FaultModel, clock: Callable[[], float]) -> None:
        self.settings = settings
        self.faults = faults
        self.window = FixedWindow(clock)

    def reset(self) -> None:
        self.faults.reset()
        self.window.clear()

    def admit(self, company: str, *, faults: bool = True, write: bool = False) -> Verdict:
        """Count one request of ``company`` in its window and decide its fate."""
        limit, window = self.settings.rate_limit, self.settings.rate_window
        admission = self.window.hit(company, limit, window)
        verdict = Verdict(limit, admission.remaining, admission.reset)
        if admission.retry_after is not None:
            verdict.error = RateLimited(
                f"rate limit of {limit} requests per {window:g} s exceeded",
                headers={"Retry-After": str(admission.retry_after)},
            )
        if not faults:
            return verdict
        verdict.delay = self.faults.latency()
        if verdict.error is None:
            fault = self.faults.request_fault(company)
            if fault is not None and fault.status == 429:
                verdict.remaining, verdict.reset = 0, fault.retry_after or 0
                verdict.error = RateLimited(
                    "too many requests", headers={"Retry-After": str(fault.retry_after)}
                )
            elif fault is not None:
                verdict.error = ServerFault(fault.status)
        if verdict.error is None and write and self.faults.lose_response():
            verdict.lose = True
        return verdict


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
