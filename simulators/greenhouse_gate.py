"""What stands in front of the Greenhouse simulator's /v3 routes: OAuth tokens, the
per-token rolling rate-limit window, injected faults, and the simulator's knobs."""

from __future__ import annotations

import base64
import binascii
import math
import random
import secrets
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from simulators.greenhouse_common import SimError, is_int, unprocessable


@dataclass
class SimConfig:
    """Knobs, changed with `POST /_sim/config` or `GreenhouseSim.configure`."""

    token_ttl_seconds: float = 3600.0  # [official] for partner tokens; assumed here
    rate_limit: int = 10_000  # requests per window per token
    rate_window_seconds: float = 10.0
    webhook_retry_delays: list[float] = field(default_factory=lambda: [0.2, 0.5, 1, 2, 4, 8])
    webhook_timeout_seconds: float = 5.0
    webhook_workers: int = 1  # 1 keeps deliveries in event order
    webhooks_on_api_writes: bool = True  # a move through /v3 also fires candidate_stage_change
    public_base_url: str | None = None  # base of Link headers; default: the request's

    def update(self, body: Mapping[str, Any]) -> None:
        for key, value in body.items():
            if key in ("token_ttl_seconds", "webhook_timeout_seconds"):
                if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                    raise unprocessable(f"{key} must be a number >= 0", key)
                setattr(self, key, float(value))
            elif key in ("rate_limit", "webhook_workers"):
                if not is_int(value) or value < 1:
                    raise unprocessable(f"{key} must be an integer >= 1", key)
                setattr(self, key, value)
            elif key == "rate_window_seconds":
                if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                    raise unprocessable("rate_window_seconds must be a number > 0", key)
                self.rate_window_seconds = float(value)
            elif key == "webhook_retry_delays":
                if not isinstance(value, list) or not all(
                    isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in value
                ):
                    raise unprocessable(f"{key} must be a list of seconds", key)
                self.webhook_retry_delays = [float(v) for v in value]
            elif key == "webhooks_on_api_writes":
                if not isinstance(value, bool):
                    raise unprocessable(f"{key} must be a boolean", key)
                self.webhooks_on_api_writes = value
            elif key == "public_base_url":
                if value is not None and not isinstance(value, str):
                    raise unprocessable(f"{key} must be a string or null", key)
                self.public_base_url = value.rstrip("/") if value else None
            else:
                raise unprocessable(f"unknown setting {key!r}", key)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# OAuth 2.0 client credentials ------------------------------------------------------------


@dataclass
class Token:
    value: str
    client_id: str
    user_id: int
    expires_at: int  # epoch seconds

    def expired(self, now: float) -> bool:
        return now >= self.expires_at


def expires_at_text(epoch: int) -> str:
    """The `expires_at` of the token response: ISO 8601 with a `+0000` offset."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def oauth_error(status: int, error: str, description: str) -> SimError:
    headers = {"WWW-Authenticate": 'Basic realm="greenhouse"'} if status == 401 else {}
    headers["Cache-Control"] = "no-store"
    return SimError(status, description, error=error, headers=headers)


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None


def parse_form(content_type: str | None, body: bytes) -> dict[str, str]:
    if (content_type or "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise oauth_error(400, "invalid_request", "the body must be form-urlencoded")
    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise oauth_error(400, "invalid_request", "malformed form body") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise oauth_error(400, "invalid_request", f"{key} given more than once")
        form[key] = value
    return form


def new_token_value() -> str:
    return "ghv3_" + secrets.token_urlsafe(32)


def bearer(header: str | None) -> str | None:
    if not header or not header.lower().startswith("bearer "):
        return None
    return header[7:].strip() or None


# Rate limiting ----------------------------------------------------------------------------


class RateLimiter:
    """A rolling window per token: a request is allowed when fewer than `limit` requests
    of that token were allowed in the last `window` seconds."""

    def __init__(self) -> None:
        self.windows: dict[str, deque[float]] = {}
        self.throttled = 0

    def hit(self, key: str, limit: int, window: float) -> tuple[dict[str, str], int | None]:
        """Headers for the response, and Retry-After seconds when over the limit."""
        mono, wall = time.monotonic(), time.time()
        stamps = self.windows.setdefault(key, deque())
        while stamps and stamps[0] <= mono - window:
            stamps.popleft()
        retry_after: int | None = None
        if len(stamps) >= limit:
            self.throttled += 1
            retry_after = max(1, math.ceil(stamps[0] + window - mono))
        else:
            stamps.append(mono)
        reset = wall + (stamps[0] + window - mono)
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(0, limit - len(stamps))),
            "X-RateLimit-Reset": str(math.ceil(reset)),
        }
        return headers, retry_after


# Faults -----------------------------------------------------------------------------------


@dataclass
class Faults:
    error_rate: float = 0.0
    latency_ms: float = 0.0
    burst_every: int = 0
    burst_length: int = 0
    burst_retry_after: int = 1
    drop_webhooks: float = 0.0
    seed: int = 0
    lost_responses: float = 0.0
    """Share of writes that are applied but answered 502, as when a response is lost."""

    def to_json(self) -> dict[str, Any]:
        return {
            "error_rate": self.error_rate,
            "latency_ms": self.latency_ms,
            "burst_429": {
                "every": self.burst_every,
                "length": self.burst_length,
                "retry_after": self.burst_retry_after,
            },
            "drop_webhooks": self.drop_webhooks,
            "seed": self.seed,
            "lost_responses": self.lost_responses,
        }


def _rate(body: Mapping[str, Any], key: str) -> float:
    value = body.get(key, 0.0)
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
        raise unprocessable(f"{key} must be a number between 0 and 1", key)
    return float(value)


def _count(body: Mapping[str, Any], key: str, default: int, *, minimum: int = 0) -> int:
    value = body.get(key, default)
    if not is_int(value) or value < minimum:
        raise unprocessable(f"{key} must be an integer >= {minimum}", key)
    return int(value)


class FaultInjector:
    """Seeded faults on /v3: random 5xx, added latency, and bursts of 429.

    `burst_429 {every, length, retry_after}`: after every `every` requests that pass, the
    next `length` requests are answered 429 with `Retry-After: retry_after`.
    `drop_webhooks` is the chance that an event delivery is never sent (pings are kept).
    Request faults and webhook drops use two RNGs seeded from `seed`.
    """

    def __init__(self) -> None:
        self.settings = Faults()
        self.rng = random.Random(0)
        self.webhook_rng = random.Random(0)
        self.lost_rng = random.Random(0)
        self.requests = 0
        self.injected = {"errors": 0, "throttled": 0, "dropped_webhooks": 0, "lost_responses": 0}

    def configure(self, body: Mapping[str, Any]) -> Faults:
        allowed = {
            "error_rate",
            "latency_ms",
            "burst_429",
            "drop_webhooks",
            "seed",
            "lost_responses",
        }
        for key in body:
            if key not in allowed:
                raise unprocessable(f"unknown fault {key!r}", key)
        latency = body.get("latency_ms", 0)
        if not isinstance(latency, int | float) or isinstance(latency, bool) or latency < 0:
            raise unprocessable("latency_ms must be a number >= 0", "latency_ms")
        burst = body.get("burst_429") or {}
        if not isinstance(burst, dict) or not set(burst) <= {"every", "length", "retry_after"}:
            raise unprocessable("burst_429 must be {every, length, retry_after}", "burst_429")
        seed = body.get("seed", 0)
        if not is_int(seed):
            raise unprocessable("seed must be an integer", "seed")
        self.settings = Faults(
            error_rate=_rate(body, "error_rate"),
            latency_ms=float(latency),
            burst_every=_count(burst, "every", 0),
            burst_length=_count(burst, "length", 0),
            burst_retry_after=_count(burst, "retry_after", 1),
            drop_webhooks=_rate(body, "drop_webhooks"),
            seed=seed,
            lost_responses=_rate(body, "lost_responses"),
        )
        self.rng = random.Random(seed)
        self.webhook_rng = random.Random(seed + 1)
        self.lost_rng = random.Random(seed + 2)
        self.requests = 0
        return self.settings

    def decide(self) -> SimError | None:
        """The fault for the next /v3 request, if any."""
        s = self.settings
        position = self.requests
        self.requests += 1
        cycle = s.burst_every + s.burst_length
        if s.burst_every and s.burst_length and position % cycle >= s.burst_every:
            self.injected["throttled"] += 1
            return SimError(
                429,
                "Too many requests (injected burst)",
                headers={"Retry-After": str(s.burst_retry_after)},
            )
        if s.error_rate and self.rng.random() < s.error_rate:
            self.injected["errors"] += 1
            status = self.rng.choice((500, 502, 503))
            return SimError(status, f"Injected server error {status}")
        return None

    def lose_response(self) -> bool:
        """Whether to answer a write that was applied with a 502 instead of its result."""
        s = self.settings
        if s.lost_responses and self.lost_rng.random() < s.lost_responses:
            self.injected["lost_responses"] += 1
            return True
        return False

    def drop_webhook(self) -> bool:
        s = self.settings
        if s.drop_webhooks and self.webhook_rng.random() < s.drop_webhooks:
            self.injected["dropped_webhooks"] += 1
            return True
        return False
