"""What an API route's wrapper does around its handler with the fault knobs: wait the
latency, draw the request's injected fault, and lose the answer of a write it applied.

    await pause(sim)                                  # latency_ms
    fault = injected_fault(sim, key)                  # None, or raise with fault.headers()
    response = await handler(request, sim, key)
    if loses_answer(sim, request, response, writes=("POST", "PUT")):
        raise ApiError(502, ...)                      # applied, but the answer is lost

``sim`` is the simulator's state (``app.state.sim``): its ``lock`` guards its ``faults``.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

from simulators.kit.faults import Fault, FaultModel


class Faulty(Protocol):
    lock: threading.RLock
    faults: FaultModel


async def pause(sim: Faulty) -> None:
    """Wait the latency knob's time, if it is on."""
    latency = sim.faults.latency()
    if latency:
        await asyncio.sleep(latency)


def injected_fault(sim: Faulty, key: str) -> Fault | None:
    """The fault to answer caller ``key``'s request with, if any."""
    with sim.lock:
        return sim.faults.request_fault(key)


def loses_answer(
    sim: Faulty, request: Request, response: Response, writes: tuple[str, ...]
) -> bool:
    """Whether a write (a method of ``writes``) that succeeded is answered 502 instead."""
    if request.method not in writes or response.status_code >= 300:
        return False
    with sim.lock:
        return sim.faults.lose_response()
