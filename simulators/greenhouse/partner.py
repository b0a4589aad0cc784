"""Greenhouse as the customer of an assessment partner: it orders tests and takes results.

The partner hosts four endpoints (one full URL each) and Greenhouse calls them with HTTP
Basic, the partner's key as the username and an empty password (``base64("<key>:")``):

    POST /_sim/partner          {list_tests_url, send_test_url, test_status_url,
                                 response_error_url?, api_key}: configure the partner
    GET  /_sim/partner          the configuration (null before one)
    POST /_sim/partner/tests    GET list_tests; answers the partner's status and JSON
    POST /_sim/partner/orders   {application_id, partner_test_id}: POST send_test
        {"partner_test_id", "candidate": {"first_name", "last_name", "resume_url",
         "phone_number", "email", "greenhouse_profile_url"}, "url": <the PATCH below>}
        -> 201 {id, state: "sent", partner_interview_id, status_code, result: null, ...}
        -> 502 {message, status_code, body, order} when the partner refused (the order
           is kept, state "failed")
    GET  /_sim/partner/orders[/{id}]
    PATCH /integrations/testing_partners/take_home_tests/{id}   (no body; Basic auth)
        -> 200, empty, at once; then GET test_status?partner_interview_id=... in a
           background task, stored as the order's ``result``; state "completed" once
           partner_status == "complete". Unknown order 404, bad key 401.

A partner answer that fails validation (send_test without a string partner_interview_id,
list_tests not an array of {partner_test_id, partner_test_name} strings, a complete
test_status without partner_profile_url, a nested metadata) is reported to
response_error_url as ``{api_call, errors, partner_test_id?, partner_interview_id?,
candidate_email?}``, and kept in the order's ``errors``.
The kit's fault knobs (latency, error_rate, burst_429, lost_responses) apply to the PATCH.

Facts followed: the request and response shapes above, Basic auth with the key as the
username, no body on the PATCH, Greenhouse calling test_status itself after it, missing
values sent as null, ``partner_status`` "complete" as the only done value.

[UNCONFIRMED] (simulator choices)
- The PATCH carries the same Basic header with the partner's key (the docs' example
  shows a Basic header; the text does not say which credential).
- The PATCH answers 200 with an empty body; 401 and 404 bodies are the simulator's.
- Greenhouse sends ``Content-Type: application/json``; send_test takes any 2xx; a
  send_test or list_tests response is validated and reported to response_error.
- ``resume_url`` is null (the simulator keeps no resumes); the profile URL is
  ``https://app.greenhouse.io/people/<candidate>?application_id=<application>``.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
from typing import TYPE_CHECKING, Any

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from simulators.greenhouse.auth import basic_credentials
from simulators.greenhouse.errors import SimError, json_body, unprocessable
from simulators.kit import partner as kit
from simulators.kit.faults import Fault

if TYPE_CHECKING:
    from simulators.greenhouse.state import GreenhouseSim

CALLBACK = "/integrations/testing_partners/take_home_tests"
URL_KEYS = ("list_tests_url", "send_test_url", "test_status_url")
CONFIG_KEYS = frozenset({*URL_KEYS, "response_error_url", "api_key"})


class Partner(kit.PartnerTable):
    """The partner's configuration and the orders placed with it (under the sim's lock)."""

    first_id = 30_000_001

    def configure(self, body: dict[str, Any]) -> dict[str, Any]:
        unknown = set(body) - CONFIG_KEYS
        if unknown:
            raise unprocessable(f"unknown field {sorted(unknown)[0]!r}", sorted(unknown)[0])
        for key in (*URL_KEYS, "api_key"):
            if not isinstance(body.get(key), str) or not body[key]:
                raise unprocessable(f"{key} is required (a string)", key)
        error_url = body.get("response_error_url")
        if error_url is not None and not isinstance(error_url, str):
            raise unprocessable("response_error_url must be a string", "response_error_url")
        return self.store({**body, "response_error_url": error_url})

    def unconfigured(self) -> SimError:
        return SimError(409, "configure the partner first: POST /_sim/partner")

    def not_found(self, order_id: int) -> SimError:
        return SimError(404, f"take home test {order_id} not found")

    def new_order(self, application_id: int, partner_test_id: str) -> kit.Order:
        return self.add_order({"application_id": application_id,
                               "partner_test_id": partner_test_id, "partner_interview_id": None,
                               "status_code": None, "result": None, "callbacks": 0,
                               "errors": []})  # fmt: skip


def basic(api_key: str) -> str:
    """The header Greenhouse sends: the key as the username, an empty password."""
    return "Basic " + base64.b64encode(f"{api_key}:".encode()).decode()


def _sim(request: Request) -> GreenhouseSim:
    sim: GreenhouseSim = request.app.state.sim
    return sim


async def _call(config: dict[str, Any], method: str, url: str, **kwargs: Any) -> httpx.Response:
    return await kit.call_partner(basic(config["api_key"]), method, url, **kwargs)


async def _report(config: dict[str, Any], api_call: str, errors: list[str], **known: Any) -> None:
    """POST response_error, as Greenhouse does when a partner answer fails validation."""
    url = config.get("response_error_url")
    if not url:
        return
    body = {"api_call": api_call, "errors": errors,
            **{k: v for k, v in known.items() if v is not None}}  # fmt: skip
    with contextlib.suppress(httpx.HTTPError):  # best effort, as a notification
        await _call(config, "POST", url, json=body)


# validation of the partner's answers ---------------------------------------------------------


def test_list_errors(body: Any) -> list[str]:
    if not isinstance(body, list):
        return ["list_tests must answer a JSON array"]
    errors: list[str] = []
    for i, test in enumerate(body):
        for key in ("partner_test_id", "partner_test_name"):
            if not isinstance(test, dict) or not isinstance(test.get(key), str):
                errors.append(f"test {i}: {key} must be a string")
    return errors


def status_errors(body: Any) -> list[str]:
    if not isinstance(body, dict):
        return ["test_status must answer a JSON object"]
    errors: list[str] = []
    status = body.get("partner_status")
    if not isinstance(status, str):
        errors.append("partner_status is required (a string)")
    url = body.get("partner_profile_url")
    if status == "complete" and not isinstance(url, str):
        errors.append("partner_status is 'complete' but partner_profile_url is missing")
    score = body.get("partner_score")
    if score is not None and (not isinstance(score, int | float) or isinstance(score, bool)):
        errors.append("partner_score must be a number")
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        errors.append("metadata must be an object")
    elif metadata and any(isinstance(v, dict | list) for v in metadata.values()):
        errors.append("metadata must be flat: its values must be primitives")
    return errors


# the control routes ------------------------------------------------------------------------


async def _object(request: Request) -> dict[str, Any]:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise unprocessable("the body must be a JSON object")
    return body


async def cp_tests(request: Request) -> Response:
    sim = _sim(request)
    config = sim.partner.settings()
    try:
        answer = await _call(config, "GET", config["list_tests_url"])
    except httpx.HTTPError as exc:
        raise SimError(502, f"the partner did not answer: {exc!r}") from None
    body = kit.decode(answer)
    errors = test_list_errors(body) if answer.is_success else []
    if errors:
        await _report(config, "list_tests", errors)
    return JSONResponse(body, status_code=answer.status_code)


def candidate_json(sim: GreenhouseSim, application_id: Any) -> dict[str, Any]:
    """send_test's ``candidate`` from the application and its candidate."""
    if not isinstance(application_id, int) or isinstance(application_id, bool):
        raise unprocessable("application_id is required (an integer)", "application_id")
    application = sim.get("applications", application_id)
    person = sim.get("candidates", application["candidate_id"])
    emails = [e["value"] for e in person.get("email_addresses", [])]
    phones = [p["value"] for p in person.get("phone_numbers", [])]
    profile = f"https://app.greenhouse.io/people/{person['id']}?application_id={application_id}"
    return {"first_name": person["first_name"], "last_name": person["last_name"],
            "resume_url": None, "phone_number": phones[0] if phones else None,
            "email": emails[0] if emails else None,
            "greenhouse_profile_url": profile}  # fmt: skip


def _root(request: Request, sim: GreenhouseSim) -> str:
    return sim.config.public_base_url or f"{request.url.scheme}://{request.url.netloc}"


async def cp_order(request: Request) -> Response:
    sim = _sim(request)
    body = await _object(request)
    config = sim.partner.settings()
    test_id = body.get("partner_test_id")
    if not isinstance(test_id, str) or set(body) - {"application_id", "partner_test_id"}:
        raise unprocessable("the body must be {application_id, partner_test_id (a string)}")
    candidate = candidate_json(sim, body.get("application_id"))
    order = sim.partner.new_order(body["application_id"], test_id)
    url = f"{_root(request, sim)}{CALLBACK}/{order['id']}"
    sent = {"partner_test_id": test_id, "candidate": candidate, "url": url}
    try:
        answer = await _call(config, "POST", config["send_test_url"], json=sent)
    except httpx.HTTPError as exc:
        order = sim.partner.update(order["id"], state="failed", errors=[repr(exc)])
        return JSONResponse({"message": "the partner did not answer", "status_code": None,
                             "body": None, "order": order}, status_code=502)  # fmt: skip
    reply = kit.decode(answer)
    interview = reply.get("partner_interview_id") if isinstance(reply, dict) else None
    if answer.is_success and isinstance(interview, str):
        order = sim.partner.update(order["id"], state="sent", partner_interview_id=interview,
                                   status_code=answer.status_code)  # fmt: skip
        return JSONResponse(order, status_code=201)
    errors = ["partner_interview_id is required (a string)"] if answer.is_success else []
    order = sim.partner.update(order["id"], state="failed", status_code=answer.status_code,
                               errors=errors)  # fmt: skip
    if errors:
        await _report(config, "send_test", errors, partner_test_id=test_id,
                      candidate_email=candidate["email"])  # fmt: skip
    return JSONResponse({"message": "the partner refused the test",
                         "status_code": answer.status_code, "body": reply, "order": order},
                        status_code=502)  # fmt: skip


# the callback --------------------------------------------------------------------------------


def _check_key(header: str | None, api_key: str) -> None:
    credentials = basic_credentials(header)
    if (
        credentials is None
        or credentials[1]
        or not hmac.compare_digest(credentials[0].encode(), api_key.encode())
    ):
        raise SimError(401, "the partner's API key is required (HTTP Basic, as the username)",
                       headers={"WWW-Authenticate": 'Basic realm="greenhouse"'})  # fmt: skip


def _fault_error(fault: Fault) -> SimError:
    if fault.status == 429:
        return SimError(429, "Too many requests (injected burst)",
                        headers={"Retry-After": str(fault.retry_after)})  # fmt: skip
    return SimError(fault.status, f"Injected server error {fault.status}")


async def fetch_status(sim: GreenhouseSim, order_id: int) -> None:
    """GET test_status for the order and keep what it said (the PATCH's background task)."""
    config, order = sim.partner.settings(), sim.partner.get(order_id)
    params = {"partner_interview_id": order["partner_interview_id"]}
    try:
        answer = await _call(config, "GET", config["test_status_url"], params=params)
    except httpx.HTTPError as exc:
        sim.partner.update(order_id, errors=[*order["errors"], repr(exc)])
        return
    body = kit.decode(answer)
    errors = status_errors(body) if answer.is_success else [f"HTTP {answer.status_code}"]
    if errors:
        sim.partner.update(order_id, errors=[*order["errors"], *errors])
        await _report(config, "test_status", errors, partner_test_id=order["partner_test_id"],
                      partner_interview_id=order["partner_interview_id"])  # fmt: skip
        return
    result = {key: body.get(key) for key in
              ("partner_status", "partner_profile_url", "partner_score", "metadata")}  # fmt: skip
    done = result["partner_status"] == "complete"
    sim.partner.update(order_id, result=result, **({"state": "completed"} if done else {}))


async def completed_test(request: Request) -> Response:
    sim = _sim(request)
    with sim.partner.lock:
        config = sim.partner.config
    if config is None:
        raise SimError(404, "no partner is configured")
    _check_key(request.headers.get("authorization"), config["api_key"])
    await kit.callback_fault(sim, "partner", _fault_error)
    order_id: int = request.path_params["id"]
    order = sim.partner.get(order_id)
    if order["partner_interview_id"] is None:
        raise SimError(404, f"take home test {order_id} was never sent")
    sim.partner.update(order_id, callbacks=order["callbacks"] + 1)
    task = BackgroundTask(fetch_status, sim, order_id)
    lost = kit.response_lost(sim)  # applied, but the answer never reaches the caller
    status = 502 if lost else 200
    return Response(b"", status_code=status, background=task)


def routes() -> list[BaseRoute]:
    callback = (CALLBACK + "/{id:int}", completed_test, ["PATCH"])
    return kit.partner_routes(_object, cp_tests, cp_order, callback)
