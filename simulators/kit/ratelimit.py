"""Rate-limit windows: one small class per strategy, both answering an ``Admission``.

    window = FixedWindow(clock=time.time)            # the suite: per company, resets
    admission = window.hit("acme", limit=100, window=10)
    admission.retry_after                            # None, or seconds to wait
    admission.remaining, admission.reset             # for X-RateLimit-* headers

``FixedWindow`` counts requests in windows that start with the first request and reset
after ``window`` seconds (``reset``: seconds left). ``RollingWindow`` allows a request
when fewer than ``limit`` were allowed in the last ``window`` seconds (``reset``: the
epoch second the oldest one leaves the window), as Greenhouse documents.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Admission:
    limit: int
    remaining: int
    reset: int
    retry_after: int | None = None

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


class FixedWindow:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.windows: dict[str, tuple[float, int]] = {}
        self.throttled = 0

    def hit(self, key: str, limit: int, window: float) -> Admission:
        now = self.clock()
        started, count = self.windows.get(key, (now, 0))
        if now >= started + window:
            started, count = now, 0
        count += 1
        self.windows[key] = (started, count)
        reset = max(1, math.ceil(started + window - now))
        admission = Admission(limit, max(0, limit - count), reset)
        if count > limit:
            self.throttled += 1
            admission.retry_after = reset
        return admission

    def clear(self) -> None:
        self.windows.clear()
        self.throttled = 0


class RollingWindow:
    def __init__(self) -> None:
        self.windows: dict[str, deque[float]] = {}
        self.throttled = 0

    def hit(self, key: str, limit: int, window: float) -> Admission:
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
        reset = math.ceil(wall + (stamps[0] + window - mono))
        return Admission(limit, max(0, limit - len(stamps)), reset, retry_after)

    def clear(self) -> None:
        self.windows.clear()
        self.throttled = 0
