"""Workable as the customer of an assessment provider: it orders assessments and takes results.

The provider hosts ``GET {base_url}/tests`` and ``POST {base_url}/assessments``; Workable
calls them with ``Authorization: Bearer <the token the provider issued>``:

    POST /_sim/partner          {base_url, api_key, callback_token}: configure the provider
                                (callback_token: the token Workable issued, that the
                                provider sends back on the results callback)
    GET  /_sim/partner          the configuration (null before one)
    POST /_sim/partner/tests    GET {base_url}/tests; answers the provider's status and JSON
    POST /_sim/partner/orders   {candidate_id, test_id}: POST {base_url}/assessments
        {"test_id", "job_shortcode", "job_title", "callback_url": <the PUT below>,
         "candidate": {"first_name", "last_name", "email", "phone"}}
        -> 201 {id, state: "sent", assessment_id, status_code, result: null, ...}
        -> 502 {error, status_code, body, order} when the provider refused (the order is
           kept, state "failed")
    GET  /_sim/partner/orders[/{id}]
    PUT  /spi/v3/assessment-results/{id}     Authorization: Bearer <callback_token>
        {"status": "pending"|"completed"|"rejected"|"expired", "results_url"?,
         "assessment"?: {"score", "grade", "summary", "details", "duration"},
         "attachments"?: [{"description", "url"}]}
        -> 200 (empty); the body is the order's ``result`` and its status the order's
           state. A wrong token 401, a bad body 422, an unknown order 404.

The kit's fault knobs (latency, error_rate, burst_429, lost_responses) apply to the PUT.

Facts followed [official]: the two provider endpoints under one base URL, Bearer auth both
ways (the provider's token to it, a token Workable issues back), ``GET /tests`` answering
``{"tests": [{"id", "name"}]}``.

[UNCONFIRMED] (from a third party's summary, or simulator choices)
- Every field of POST /assessments and of its ``{"assessment_id"}`` answer (any 2xx is
  taken); the callback's method (PUT), its path here, its body and statuses
  (``pending`` -> ``completed`` | ``rejected`` | ``expired``; ``results_url`` required when
  completed; ``grade`` failed|passed|excelled; ``score`` a string or number).
- The callback answers an empty 200, and ``{"error": ...}`` with 401, 404 and 422.
- Content types (JSON both ways); the provider's error shape is passed on as is.
"""

from __future__ import annotations

import hmac
import json
from typing import TYPE_CHECKING, Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from simulators.kit import partner as kit
from simulators.kit.control import read_object
from simulators.kit.faults import Fault
from simulators.workable.errors import NotFound, Unauthorized, Unprocessable, WorkableError

if TYPE_CHECKING:
    from simulators.workable.state import WorkableSim

CALLBACK = "/spi/v3/assessment-results"
CONFIG_KEYS = ("base_url", "api_key", "callback_token")
STATUSES = ("pending", "completed", "rejected", "expired")
GRADES = ("failed", "passed", "excelled")
RESULT_KEYS = frozenset({"status", "results_url", "assessment", "attachments"})


class Partner(kit.PartnerTable):
    """The provider's configuration and the assessments ordered (under the sim's lock)."""

    def configure(self, body: dict[str, Any]) -> dict[str, Any]:
        unknown = set(body) - set(CONFIG_KEYS)
        if unknown:
            raise Unprocessable(f"unknown field {sorted(unknown)[0]!r}")
        for key in CONFIG_KEYS:
            if not isinstance(body.get(key), str) or not body[key]:
                raise Unprocessable(f"{key} is required (a string)")
        return self.store({**body, "base_url": body["base_url"].rstrip("/")})

    def unconfigured(self) -> WorkableError:
        return WorkableError(409, "configure the provider first: POST /_sim/partner")

    def not_found(self, order_id: int) -> WorkableError:
        return NotFound()

    def new_order(self, candidate_id: str, test_id: Any) -> kit.Order:
        return self.add_order({"candidate_id": candidate_id, "test_id": test_id,
                               "assessment_id": None, "status_code": None, "result": None,
                               "callbacks": 0})  # fmt: skip


def _sim(request: Request) -> WorkableSim:
    sim: WorkableSim = request.app.state.sim
    return sim


async def _call(config: dict[str, Any], method: str, path: str, **kwargs: Any) -> httpx.Response:
    auth = f"Bearer {config['api_key']}"
    return await kit.call_partner(auth, method, config["base_url"] + path, **kwargs)


# the control routes ------------------------------------------------------------------------


async def cp_tests(request: Request) -> Response:
    config = _sim(request).partner.settings()
    try:
        answer = await _call(config, "GET", "/tests")
    except httpx.HTTPError as exc:
        raise WorkableError(502, f"the provider did not answer: {exc!r}") from None
    return JSONResponse(kit.decode(answer), status_code=answer.status_code)


def assessment_request(sim: WorkableSim, candidate_id: Any, test_id: Any) -> dict[str, Any]:
    """The body of POST /assessments, from the candidate and its job (no callback_url yet)."""
    if not isinstance(candidate_id, str):
        raise Unprocessable("candidate_id is required (a string)")
    if not isinstance(test_id, str | int) or isinstance(test_id, bool):
        raise Unprocessable("test_id is required (the id of one of the provider's tests)")
    candidate = sim.candidate(candidate_id)
    job = sim.job(candidate["shortcode"])
    person = {"first_name": candidate["firstname"], "last_name": candidate["lastname"],
              "email": candidate.get("email"), "phone": candidate.get("phone")}  # fmt: skip
    return {"test_id": test_id, "job_shortcode": job["shortcode"], "job_title": job["title"],
            "candidate": person}  # fmt: skip


async def cp_order(request: Request) -> Response:
    sim = _sim(request)
    body = await read_object(request)
    config = sim.partner.settings()
    if set(body) - {"candidate_id", "test_id"}:
        raise Unprocessable("the body must be {candidate_id, test_id}")
    sent = assessment_request(sim, body.get("candidate_id"), body.get("test_id"))
    order = sim.partner.new_order(body["candidate_id"], body["test_id"])
    root = f"{request.url.scheme}://{request.url.netloc}"
    sent["callback_url"] = f"{root}{CALLBACK}/{order['id']}"
    try:
        answer = await _call(config, "POST", "/assessments", json=sent)
    except httpx.HTTPError as exc:
        order = sim.partner.update(order["id"], state="failed")
        return JSONResponse({"error": f"the provider did not answer: {exc!r}",
                             "status_code": None, "body": None, "order": order},
                            status_code=502)  # fmt: skip
    reply = kit.decode(answer)
    assessment = reply.get("assessment_id") if isinstance(reply, dict) else None
    if answer.is_success and isinstance(assessment, str | int) and assessment != "":
        order = sim.partner.update(order["id"], state="sent", assessment_id=assessment,
                                   status_code=answer.status_code)  # fmt: skip
        return JSONResponse(order, status_code=201)
    order = sim.partner.update(order["id"], state="failed", status_code=answer.status_code)
    return JSONResponse({"error": "the provider refused the assessment",
                         "status_code": answer.status_code, "body": reply, "order": order},
                        status_code=502)  # fmt: skip


# the results callback ------------------------------------------------------------------------


def _check_token(header: str | None, config: dict[str, Any] | None) -> None:
    scheme, _, token = (header or "").partition(" ")
    expected = "" if config is None else config["callback_token"]
    if scheme.lower() != "bearer" or not expected:
        raise Unauthorized()
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise Unauthorized()


def _fault_error(fault: Fault) -> WorkableError:
    extra = {"Retry-After": str(fault.retry_after)} if fault.status == 429 else {}
    message = "Too many requests" if fault.status == 429 else "injected fault"
    return WorkableError(fault.status, message, headers=extra)


def _assessment_problem(assessment: Any) -> str | None:
    if not isinstance(assessment, dict):
        return "assessment must be an object"
    score, grade = assessment.get("score"), assessment.get("grade")
    if score is not None and (not isinstance(score, str | int | float) or score is True):
        return "assessment.score must be a string or a number"
    if grade is not None and grade not in GRADES:
        return f"assessment.grade must be one of {list(GRADES)}"
    return None


def result_problem(body: Any) -> str | None:
    """What is wrong with a results body, or None."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    if set(body) - RESULT_KEYS:
        return f"unknown field {sorted(set(body) - RESULT_KEYS)[0]!r}"
    if body.get("status") not in STATUSES:
        return f"status must be one of {list(STATUSES)}"
    url = body.get("results_url")
    if body["status"] == "completed" and not url:
        return "results_url is required when the status is completed"
    if url is not None and not isinstance(url, str):
        return "results_url must be a string"
    if body.get("assessment") is not None:
        problem = _assessment_problem(body["assessment"])
        if problem:
            return problem
    attachments = body.get("attachments")
    if attachments is not None and not (
        isinstance(attachments, list) and all(isinstance(a, dict) for a in attachments)
    ):
        return "attachments must be a list of {description, url}"
    return None


async def assessment_result(request: Request) -> Response:
    sim = _sim(request)
    with sim.partner.lock:
        config = sim.partner.config
    _check_token(request.headers.get("authorization"), config)
    await kit.callback_fault(sim, "provider", _fault_error)
    order = sim.partner.get(request.path_params["id"])
    if order["assessment_id"] is None:
        raise NotFound()
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise Unprocessable("the body is not valid JSON") from None
    problem = result_problem(body)
    if problem:
        raise Unprocessable(problem)
    sim.partner.update(order["id"], state=body["status"], result=body,
                       callbacks=order["callbacks"] + 1)  # fmt: skip
    if kit.response_lost(sim):  # applied, but the answer never reaches the caller
        raise WorkableError(502, "Bad gateway (injected: the response was lost)")
    return Response(status_code=200)


def routes() -> list[BaseRoute]:
    callback = (CALLBACK + "/{id:int}", assessment_result, ["PUT"])
    return kit.partner_routes(read_object, cp_tests, cp_order, callback)
