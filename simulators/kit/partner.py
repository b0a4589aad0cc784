"""What an ATS simulator needs to act as the customer of an assessment partner.

The part every vendor shares: the table of the partner's configuration and the orders
placed with it, the outgoing call to the partner, the fault knobs on the partner's
callback, and the control routes under ``/_sim/partner``. What differs per vendor (the
configuration's fields, the request and response shapes, the auth scheme, the errors'
bodies) stays in the simulator::

    class Partner(PartnerTable):
        def configure(self, body): ...          # validate, then self.store(config)

    routes = partner_routes(read_body, cp_tests, cp_order, (CALLBACK + "/{id:int}",
                                                            callback, ["PUT"]))

``app.state.sim.partner`` is the simulator's ``PartnerTable``.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.kit.errors import HttpError
from simulators.kit.faults import Fault, FaultModel

TIMEOUT = 10.0
Order = dict[str, Any]
Endpoint = Callable[[Request], Awaitable[Response]]


class PartnerTable:
    """The partner's configuration and the orders placed with it (under the sim's lock).

    ``unconfigured()`` and ``not_found(order_id)`` are the vendor's errors; ``first_id``
    the first order's id.
    """

    first_id = 1

    def __init__(self, lock: threading.RLock) -> None:
        self.lock = lock
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self.config: dict[str, Any] | None = None
            self.orders: dict[int, Order] = {}
            self._ids = itertools.count(self.first_id)

    def configure(self, body: dict[str, Any]) -> dict[str, Any]:
        """Validate ``body`` and ``store`` it (the vendor's fields)."""
        raise NotImplementedError

    def unconfigured(self) -> HttpError:
        raise NotImplementedError

    def not_found(self, order_id: int) -> HttpError:
        raise NotImplementedError

    def store(self, config: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.config = config
            return dict(config)

    def settings(self) -> dict[str, Any]:
        with self.lock:
            if self.config is None:
                raise self.unconfigured()
            return dict(self.config)

    def add_order(self, fields: dict[str, Any]) -> Order:
        """A new order, ``{"id", "state": "sending", **fields}``."""
        with self.lock:
            order: Order = {"id": next(self._ids), "state": "sending", **fields}
            self.orders[order["id"]] = order
            return dict(order)

    def update(self, order_id: int, **changes: Any) -> Order:
        with self.lock:
            order = self.orders[order_id]
            order.update(changes)
            return dict(order)

    def get(self, order_id: int) -> Order:
        with self.lock:
            order = self.orders.get(order_id)
            if order is None:
                raise self.not_found(order_id)
            return dict(order)

    def dump(self) -> dict[str, Any]:
        with self.lock:
            return {"config": self.config, "orders": [dict(o) for o in self.orders.values()]}


def decode(response: httpx.Response) -> Any:
    """The partner's answer as JSON, or its text when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return response.text


async def call_partner(authorization: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One request to the partner with ``authorization`` as the Authorization header."""
    headers = {"Authorization": authorization, "Accept": "application/json"}
    async with httpx.AsyncClient(verify=False, timeout=TIMEOUT) as client:
        return await client.request(method, url, headers=headers, **kwargs)


class Faulted(Protocol):
    """What the callback's fault knobs need from a simulator's state."""

    @property
    def lock(self) -> threading.RLock: ...

    @property
    def faults(self) -> FaultModel: ...


async def callback_fault(sim: Faulted, key: str, error: Callable[[Fault], HttpError]) -> None:
    """The kit's knobs on a callback: latency, then a 429 burst or an injected error,
    raised as ``error(fault)``."""
    latency = sim.faults.latency()
    if latency:
        await asyncio.sleep(latency)
    with sim.lock:
        fault = sim.faults.request_fault(key)
    if fault is not None:
        raise error(fault)


def response_lost(sim: Faulted) -> bool:
    """Whether the callback's answer is to be lost (applied, but never reaching the caller)."""
    with sim.lock:
        return sim.faults.lose_response()


def _partner(request: Request) -> PartnerTable:
    partner: PartnerTable = request.app.state.sim.partner
    return partner


def partner_routes(
    read: Callable[[Request], Awaitable[dict[str, Any]]],
    tests: Endpoint,
    order: Endpoint,
    callback: tuple[str, Endpoint, list[str]],
) -> list[BaseRoute]:
    """The control routes under ``/_sim/partner`` and the partner's callback route;
    ``read`` is the vendor's reader of a JSON object body."""

    async def cp_partner(request: Request) -> Response:
        partner = _partner(request)
        if request.method == "POST":
            return JSONResponse(partner.configure(await read(request)))
        with partner.lock:
            return JSONResponse(partner.config)

    table: list[tuple[str, Endpoint, list[str]]] = [
        ("/_sim/partner", cp_partner, ["GET", "POST"]),
        ("/_sim/partner/tests", tests, ["POST"]),
        ("/_sim/partner/orders", order, ["POST"]),
        ("/_sim/partner/orders", cp_orders, ["GET"]),
        ("/_sim/partner/orders/{id:int}", cp_orders, ["GET"]),
        callback,
    ]
    return [Route(path, endpoint, methods=methods) for path, endpoint, methods in table]


async def cp_orders(request: Request) -> Response:
    partner = _partner(request)
    if "id" in request.path_params:
        return JSONResponse(partner.get(request.path_params["id"]))
    with partner.lock:
        return JSONResponse([dict(o) for o in partner.orders.values()])
