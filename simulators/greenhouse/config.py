"""The Greenhouse simulator's knobs, changed with ``POST /_sim/config``.

sim.configure(token_ttl_seconds=1, rate_limit=50, webhook_retry_delays=[0.1, 0.2])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from simulators.greenhouse.checks import is_int
from simulators.greenhouse.errors import unprocessable


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
