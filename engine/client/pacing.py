"""Pace requests to one host: a concurrency cap, a steady rate, rate-limit headers read
to slow down before a 429, ``Retry-After`` honoured, and capped backoff with full jitter.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from email.utils import parsedate_to_datetime

import httpx

from engine.dsl import model

EPOCH_THRESHOLD = 1_000_000_000  # a "seconds" value this large is a Unix time
MAX_WAIT = 3600.0  # no server may park a client longer than this


def retry_after(response: httpx.Response, now: float | None = None) -> float | None:
    """Seconds to wait from ``Retry-After``: delta-seconds or an HTTP-date (RFC 9110).

    Some APIs send a Unix timestamp instead; a value past 10^9 is read as one.
    """
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    now = time.time() if now is None else now
    try:
        seconds = float(value)
    except ValueError:
        try:
            return min(MAX_WAIT, max(0.0, parsedate_to_datetime(value).timestamp() - now))
        except (TypeError, ValueError):
            return None
    if not math.isfinite(seconds):
        return None
    wait = max(0.0, seconds - now) if seconds > EPOCH_THRESHOLD else max(0.0, seconds)
    return min(MAX_WAIT, wait)


def backoff(attempt: int, base: float, cap: float) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2^attempt)]."""
    return random.uniform(0, min(cap, base * (2**attempt)))


RESET_MARGIN = 0.05  # seconds waited past a window's announced reset


class Pacer:
    """Gate for requests to one host."""

    def __init__(self, spec: model.RateLimit) -> None:
        self.spec = spec
        self.slots = asyncio.Semaphore(spec.max_concurrency)
        self.interval = 1.0 / spec.requests_per_second if spec.requests_per_second else 0.0
        self.next_slot = 0.0
        self.paused_until = 0.0  # monotonic clock
        # what the rate-limit headers left of the window, less what is in flight: a
        # request spends one, so concurrent ones never overshoot a window the API told of
        self.in_flight = 0
        self.budget: float | None = None
        self.budget_until = 0.0  # monotonic: when the window resets
        self.window = 0.0  # the most a window has been seen to hold
        self.period = 0.0  # the longest a window has been seen to last

    async def __aenter__(self) -> Pacer:
        await self.slots.acquire()
        try:
            now = time.monotonic()
            start = max(now, self.paused_until)
            if self.interval:
                start = max(start, self.next_slot)
                self.next_slot = start + self.interval
            if start > now:
                await asyncio.sleep(start - now)
            # a pause set while we slept (a 429 elsewhere) still applies
            while self.paused_until > time.monotonic():
                await asyncio.sleep(self.paused_until - time.monotonic())
            await self._spend()
        except BaseException:
            self.slots.release()
            raise
        self.in_flight += 1
        return self

    async def _spend(self) -> None:
        """Take one request of the window's budget, waiting for the reset if none is left."""
        while self.budget is not None and self.budget <= 0:
            left = self.budget_until - time.monotonic()
            if left <= 0:
                break
            await asyncio.sleep(left)
        if self.budget is not None and time.monotonic() >= self.budget_until:
            # a new window, taken as large and as long as the largest seen, until an
            # answer tells its own
            self.budget = self.window
            self.budget_until = time.monotonic() + self.period
        if self.budget is not None:
            self.budget -= 1

    async def __aexit__(self, *exc: object) -> None:
        self.in_flight -= 1
        self.slots.release()

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)

    def observe(self, response: httpx.Response) -> None:
        """Pause until the window resets when the rate-limit headers say none are left."""
        spec = self.spec
        if not spec.remaining_header or not spec.reset_header:
            return
        remaining = response.headers.get(spec.remaining_header)
        reset = response.headers.get(spec.reset_header)
        if remaining is None or reset is None:
            return
        try:
            left = float(remaining)
            wait = self._reset_seconds(reset)
        except (TypeError, ValueError):
            return
        if wait is None:
            return
        wait = min(wait, 3600.0)
        self.window = max(self.window, left + 1)
        self.period = max(self.period, wait)
        self.budget = left - self.in_flight
        # a little past the reset: clocks and rounding differ between the API and us
        self.budget_until = time.monotonic() + wait + RESET_MARGIN
        if left <= 0:
            self.pause(wait)

    def _reset_seconds(self, value: str) -> float | None:
        if self.spec.reset_format == "http_date":
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        number = float(value)
        if self.spec.reset_format == "epoch_seconds":
            return max(0.0, number - time.time())
        return max(0.0, number)
