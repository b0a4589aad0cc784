"""`GreenhouseSim`: the simulator's state and Harvest v3 behaviour, usable without HTTP.

    sim = GreenhouseSim(seed=7)
    sim.add_client("id", "secret")
    sim.seed_data(users=5, jobs=200, applications_per_job=50)
    sim.create_job(name="Backend Engineer")          # fires job_created
    sim.set_stage(app_id, stage_name="Video Interview")
    sim.state()                                       # everything, incl. deliveries

Every public method takes the lock and returns copies of records. Errors are SimError
with the HTTP status the API would answer.
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

from simulators.greenhouse_common import (
    Record,
    SimError,
    c_enum,
    c_int,
    c_opt_int,
    c_str,
    checked,
    is_int,
    not_found,
    unprocessable,
)
from simulators.greenhouse_gate import (
    SimConfig,
    Token,
    basic_credentials,
    bearer,
    expires_at_text,
    new_token_value,
    oauth_error,
    parse_form,
)
from simulators.greenhouse_listing import SPECS, encode_cursor, project, resolve_query, scan
from simulators.greenhouse_seeding import Seeding

VISIBILITY = {
    "public": "publicly_visible",
    "private": "privately_visible",
    "admin_only": "admin_only_visible",
}
NOTE_CHECKS = {
    "candidate_id": c_int,
    "application_id": c_opt_int,
    "user_id": c_opt_int,
    "body": c_str,
    "visibility": c_enum(*VISIBILITY),
    "note_type": c_enum("NOTE", "ACTIVITY"),
}
MOVE_KEYS = ("from_stage_id", "to_stage_id", "to_job_id")
T = TypeVar("T")


class GreenhouseSim(Seeding):
    # setup --------------------------------------------------------------------------------

    def add_client(self, client_id: str, client_secret: str) -> None:
        """Allow a Harvest V3 (OAuth) credential. Clients survive `reset`."""
        if not client_id or not client_secret or ":" in client_id:
            raise unprocessable("client_id (no ':') and client_secret are required", "client_id")
        with self.lock:
            self.clients[client_id] = client_secret

    def configure(self, /, **knobs: Any) -> dict[str, Any]:
        """Change SimConfig knobs (token_ttl_seconds, rate_limit, ...); returns them all."""
        with self.lock:
            self.config.update(knobs)
            self.dispatcher.timeout = self.config.webhook_timeout_seconds
            self.dispatcher.set_workers(self.config.webhook_workers)
            return self.config.to_json()

    def set_faults(self, /, **faults: Any) -> dict[str, Any]:
        """Replace the fault settings (missing keys: no fault) and reseed their RNGs."""
        with self.lock:
            return self.faults.configure(faults).to_json()

    def reset(self, *, config: bool = False) -> None:
        """Drop all data, tokens, webhooks, deliveries, faults and counters. Clients stay;
        the config knobs too unless `config` is true."""
        with self.lock:
            self._clear()
            self.faults.configure({})
            if config:
                self.config = SimConfig()
                self.configure()

    # OAuth --------------------------------------------------------------------------------

    def issue_token(
        self, authorization: str | None, content_type: str | None, body: bytes
    ) -> dict[str, Any]:
        """POST /token: client credentials in HTTP Basic, `grant_type` and `sub` in a form."""
        with self.lock:
            self.counters["token_requests"] += 1
            try:
                return self._issue_token(authorization, content_type, body)
            except SimError:
                self.counters["token_failures"] += 1
                raise

    def _issue_token(
        self, authorization: str | None, content_type: str | None, body: bytes
    ) -> dict[str, Any]:
        form = parse_form(content_type, body)
        if "client_id" in form or "client_secret" in form:
            raise oauth_error(401, "invalid_client", "send client credentials with HTTP Basic")
        credentials = basic_credentials(authorization)
        if credentials is None:
            raise oauth_error(401, "invalid_client", "HTTP Basic client authentication required")
        client_id, secret = credentials
        self.token_requests_by_client[client_id] = (
            self.token_requests_by_client.get(client_id, 0) + 1
        )
        expected = self.clients.get(client_id)
        if expected is None or not hmac.compare_digest(expected.encode(), secret.encode()):
            raise oauth_error(401, "invalid_client", "unknown client or wrong secret")
        grant = form.get("grant_type")
        if grant is None:
            raise oauth_error(400, "invalid_request", "grant_type is required")
        if grant != "client_credentials":
            raise oauth_error(
                400, "unsupported_grant_type", f"grant_type {grant!r} is not supported"
            )
        sub = form.get("sub", "")
        user = self.users.get(int(sub)) if sub.isdigit() else None
        if user is None or user["deactivated"]:
            raise oauth_error(400, "invalid_request", "sub must be the id of an active user")
        expires = int(time.time() + self.config.token_ttl_seconds)
        token = Token(new_token_value(), client_id, user["id"], expires)
        self.tokens[token.value] = token
        self.counters["tokens_issued"] += 1
        return {
            "access_token": token.value,
            "token_type": "bearer",
            "expires_at": expires_at_text(expires),
        }

    def authenticate(self, authorization: str | None) -> Token:
        value = bearer(authorization)
        with self.lock:
            token = None if value is None else self.tokens.get(value)
            if token is None:
                raise SimError(
                    401,
                    "a valid bearer token is required",
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
            if token.expired(time.time()):
                raise SimError(
                    401,
                    "the access token expired",
                    headers={
                        "WWW-Authenticate": 'Bearer error="invalid_token", '
                        'error_description="The access token expired"'
                    },
                )
            return token

    def expire_tokens(self) -> int:
        """Make every issued token expired now (clients must fetch a new one)."""
        with self.lock:
            for token in self.tokens.values():
                token.expires_at = 0
            return len(self.tokens)

    def admit(self, token: Token) -> dict[str, str]:
        """Rate-limit and fault checks of one /v3 request; the rate headers to send.

        Raises SimError (429 or 5xx, carrying the rate headers) to refuse the request.
        """
        with self.lock:
            self.counters["api_requests"] += 1
            headers, retry_after = self.rate.hit(
                token.value, self.config.rate_limit, self.config.rate_window_seconds
            )
            if retry_after is not None:
                raise SimError(
                    429, "Too many requests", headers={**headers, "Retry-After": str(retry_after)}
                )
            fault = self.faults.decide()
            if fault is not None:
                fault.headers = {**headers, **fault.headers}
                raise fault
            return headers

    def count_response(self, status: int) -> None:
        with self.lock:
            key = str(status)
            self.responses_by_status[key] = self.responses_by_status.get(key, 0) + 1

    # reads --------------------------------------------------------------------------------

    def list_page(
        self, resource: str, params: list[tuple[str, str]]
    ) -> tuple[list[Record], str | None]:
        """One page of a v3 list (copies) and the cursor of the next page (None on the last)."""
        records, cursor = self._page(resource, params, lambda page: [dict(r) for r in page])
        return records, cursor

    def list_json(self, resource: str, params: list[tuple[str, str]]) -> tuple[bytes, str | None]:
        """`list_page` as the JSON array the API sends, rendered under the lock."""
        return self._page(
            resource, params, lambda page: json.dumps(page, separators=(",", ":")).encode()
        )

    def _page(
        self, resource: str, params: list[tuple[str, str]], render: Callable[[list[Any]], T]
    ) -> tuple[T, str | None]:
        spec = SPECS.get(resource)
        if spec is None:
            raise SimError(404, f"no such resource {resource!r}")
        query = resolve_query(spec, params)
        with self.lock:
            page, after = scan(self.tables[resource], query)
            rendered = render(project(page, query.fields))
            return rendered, None if after is None else encode_cursor(query, after)

    # writes -------------------------------------------------------------------------------

    def move_application(
        self, application_id: int, body: Any, token: Token | None = None
    ) -> Record:
        """POST /v3/applications/{id}/move: no `to_stage_id` advances to the next active
        stage of the job; `to_stage_id` (with `to_job_id` for another job) moves there."""
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise unprocessable("the body must be a JSON object")
        for key, value in body.items():
            if key not in MOVE_KEYS:
                raise unprocessable(f"unknown field {key!r}", key)
            if value is not None and not is_int(value):
                raise unprocessable(f"{key} must be an integer", key)
        with self.lock:
            app = self._get(self.applications, application_id, "application")
            if app["status"] != "in_process":
                raise unprocessable(f"an application with status {app['status']} cannot be moved")
            current = app["job_interview_stage_id"]
            if body.get("from_stage_id") not in (None, current):
                raise unprocessable("from_stage_id is not the current stage", "from_stage_id")
            job_id = app["job_id"] if body.get("to_job_id") is None else body["to_job_id"]
            if job_id not in self.jobs:
                raise unprocessable(f"job {job_id} does not exist", "to_job_id")
            if job_id != app["job_id"] and body.get("to_stage_id") is None:
                raise unprocessable("to_stage_id is required with to_job_id", "to_stage_id")
            if job_id != app["job_id"] and self._has_application(app["candidate_id"], job_id):
                raise unprocessable(f"the candidate already applied to job {job_id}", "to_job_id")
            if body.get("to_stage_id") is None:
                position = self.stages.rows[current]["sort_order"]
                later = [
                    s
                    for s in self._job_stages(job_id)
                    if s["active"] and s["sort_order"] > position
                ]
                if not later:
                    raise unprocessable("the application is in the last stage of its job")
                stage = later[0]
            else:
                found = self.stages.get(body["to_stage_id"])
                if found is None or found["job_id"] != job_id or not found["active"]:
                    raise unprocessable(
                        f"to_stage_id is not an active stage of job {job_id}", "to_stage_id"
                    )
                stage = found
                if stage["id"] == current:
                    raise unprocessable("the application is already in that stage", "to_stage_id")
            if job_id != app["job_id"]:
                self._unindex_app(app)
                app["job_id"] = job_id
                self._index_app(app)
            self._place(app, stage, self._stamp())
            if self.config.webhooks_on_api_writes:
                self._emit("candidate_stage_change", lambda: self._app_payload(app))
            return dict(app)

    def create_note(self, body: Any, token: Token | None = None) -> Record:
        """POST /v3/notes. Short visibility in (public|private|admin_only, default
        admin_only), long form stored; no user_id means the token's user."""
        if not isinstance(body, dict):
            raise unprocessable("the body must be a JSON object")
        f = checked(body, NOTE_CHECKS, required=("candidate_id", "body"))
        with self.lock:
            candidate = self.candidates.get(f["candidate_id"])
            if candidate is None:
                raise unprocessable(f"candidate {f['candidate_id']} does not exist", "candidate_id")
            app = None
            if f.get("application_id") is not None:
                app = self.applications.get(f["application_id"])
                if app is None or app["candidate_id"] != candidate["id"]:
                    raise unprocessable(
                        "application_id must be an application of the candidate", "application_id"
                    )
            user_id = f.get("user_id")
            if user_id is None:
                if token is None:
                    raise unprocessable("user_id is required without a token", "user_id")
                user_id = token.user_id
            elif user_id not in self.users:
                raise unprocessable(f"user {user_id} does not exist", "user_id")
            now = self._stamp()
            note = {
                "id": self._new_id("notes"),
                "candidate_id": candidate["id"],
                "application_id": None if app is None else app["id"],
                "user_id": user_id,
                "body": f["body"],
                "body_with_tags": f["body"],
                "type": f.get("note_type", "NOTE"),
                "visibility": VISIBILITY[f.get("visibility", "admin_only")],
                "subject": None,
                "created_at": now,
                "updated_at": now,
            }
            self.notes.insert(note)
            candidate["last_activity_at"] = now
            if app is not None:
                app["last_activity_at"] = now
            return dict(note)

    # inspection ---------------------------------------------------------------------------

    def get(self, resource: str, rid: int) -> Record:
        with self.lock:
            table = self.tables.get(resource)
            if table is None or rid not in table:
                raise not_found(resource, rid)
            return dict(table.rows[rid])

    def state(self) -> dict[str, Any]:
        """Everything: records, clients, token counts, webhooks, deliveries, knobs."""
        with self.lock:
            dump: dict[str, Any] = {
                name: [dict(record) for record in table.values()]
                for name, table in self.tables.items()
            }
            now = time.time()
            dump.update(
                clients=sorted(self.clients),
                tokens={
                    "requests": self.counters["token_requests"],
                    "issued": self.counters["tokens_issued"],
                    "failures": self.counters["token_failures"],
                    "requests_by_client": dict(self.token_requests_by_client),
                    "active": sum(not t.expired(now) for t in self.tokens.values()),
                },
                api={
                    "requests": self.counters["api_requests"],
                    "responses_by_status": dict(self.responses_by_status),
                    "rate_limited": self.rate.throttled,
                },
                webhooks=[hook.to_json() for hook in self.webhooks.values()],
                deliveries=self.dispatcher.snapshot(),
                faults={**self.faults.settings.to_json(), "injected": dict(self.faults.injected)},
                config=self.config.to_json(),
            )
            return dump
