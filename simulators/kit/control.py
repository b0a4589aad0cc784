"""The control routes every simulator answers, without auth, under ``/_sim``.

    GET  /_sim/faults              the knobs in force and what they injected
    POST /_sim/faults              {"error_rate", "latency_ms", "burst_429": {"every",
                                    "length", "retry_after"}, "drop_webhooks", "seed",
                                    "lost_responses", "unavailable_s"}: replace them all
                                   (missing is off)
    POST /_sim/reset               {...}: forget the data (options are the simulator's)
    GET  /_sim/state               everything the simulator holds
    GET  /_sim/deliveries          the webhook delivery log
    POST /_sim/deliveries/drain    {"timeout"?}: wait until no delivery is pending

    app = simulator_app(sim, [*control_routes(), ...])   # sim: a Controlled; app.state.sim

Errors answer ``{"error": {"code", "message", "fields"?}}`` (``simulators.kit.errors``).
A simulator adds its own control routes (seeding, clients, settings) next to these.
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.kit.errors import HttpError, Invalid, error_handler
from simulators.kit.faults import FaultModel, Faults
from simulators.kit.webhooks import Dispatcher

PREFIX = "/_sim"


class Controlled(Protocol):
    """What the control routes need from a simulator's state (``app.state.sim``)."""

    lock: threading.RLock
    faults: FaultModel
    dispatcher: Dispatcher

    def control_reset(self, options: Mapping[str, Any]) -> None:
        """Forget the data; ``options`` come from the body (``Invalid`` if unknown)."""

    def control_state(self, root: str) -> dict[str, Any]: ...

    def deliveries(self) -> list[dict[str, Any]]: ...


async def read_object(request: Request) -> dict[str, Any]:
    """The JSON object in the body; an empty body is ``{}``."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise HttpError("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise HttpError("the body must be a JSON object")
    return body


def _sim(request: Request) -> Controlled:
    sim: Controlled = request.app.state.sim
    return sim


def _root(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def faults(request: Request) -> Response:
    sim = _sim(request)
    if request.method == "POST":
        parsed = Faults.parse(await read_object(request), sim.faults.seed)
        with sim.lock:
            sim.faults.set(parsed)
    with sim.lock:
        return JSONResponse(sim.faults.dump())


async def reset(request: Request) -> Response:
    _sim(request).control_reset(await read_object(request))
    return Response(status_code=204)


async def state(request: Request) -> Response:
    return JSONResponse(_sim(request).control_state(_root(request)))


async def deliveries(request: Request) -> Response:
    return JSONResponse(_sim(request).deliveries())


async def drain(request: Request) -> Response:
    sim = _sim(request)
    timeout = (await read_object(request)).get("timeout", 10)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout < 0:
        raise Invalid({"timeout": f"must be a number of seconds, got {timeout!r}"})
    idle = await run_in_threadpool(sim.dispatcher.wait_idle, float(timeout))
    return JSONResponse({"idle": idle, "pending": sim.dispatcher.pending()})


def control_routes(prefix: str = PREFIX) -> list[Route]:
    table: list[tuple[str, Callable[[Request], Awaitable[Response]], list[str]]] = [
        ("/faults", faults, ["GET", "POST"]),
        ("/reset", reset, ["POST"]),
        ("/state", state, ["GET"]),
        ("/deliveries", deliveries, ["GET"]),
        ("/deliveries/drain", drain, ["POST"]),
    ]
    return [Route(prefix + path, endpoint, methods=methods) for path, endpoint, methods in table]


class Closing(Protocol):
    def close(self) -> None:
        """Stop the simulator's threads (its webhook deliveries)."""


def simulator_app(sim: Closing, routes: list[BaseRoute]) -> Starlette:
    """``routes`` as the simulator's ASGI app, errors answered by the kit's handler;
    ``app.state.sim`` is ``sim``, closed when the app shuts down."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        sim.close()

    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={HttpError: error_handler})
    app.state.sim = sim
    return app
