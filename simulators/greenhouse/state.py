"""`GreenhouseSim`: the simulator's state and Harvest v3 behaviour, usable without HTTP.

    sim = GreenhouseSim(seed=7)
    sim.add_client("id", "secret")
    sim.seed_data(users=5, jobs=200, applications_per_job=50)
    sim.create_job(name="Backend Engineer")          # fires job_created
    sim.set_stage(app_id, stage_name="Video Interview")
    sim.state()                                       # everything, incl. deliveries

It is composed of parts that share one re-entrant lock: `data` (the kit tables and
their indexes), `hooks` (receivers and the kit's dispatcher), `auth` (clients and
tokens), `faults` (the kit's fault model), `window` (the kit's rolling rate window),
and `records`, `pipeline` (applications, moves, notes) and `seeder`, which change the
data. Every public method
takes the lock and returns copies of records. Errors are SimError with the HTTP status
the API would answer.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any, TypeVar

from simulators.greenhouse.applications import Applications
from simulators.greenhouse.auth import Auth, Token
from simulators.greenhouse.config import SimConfig
from simulators.greenhouse.data import Data
from simulators.greenhouse.errors import SimError, not_found, unprocessable
from simulators.greenhouse.hooks import Hooks
from simulators.greenhouse.listing import SPECS, encode_cursor, project, resolve_query, scan
from simulators.greenhouse.partner import Partner
from simulators.greenhouse.records import Records
from simulators.greenhouse.seeding import Seeder
from simulators.kit.faults import FaultModel, Faults
from simulators.kit.ratelimit import RollingWindow
from simulators.kit.table import Record, Table

T = TypeVar("T")


class GreenhouseSim:
    def __init__(self, *, seed: int = 0) -> None:
        self.lock = threading.RLock()
        self.seed = seed
        self.config = SimConfig()
        self.faults = FaultModel(seed=seed, error_statuses=(500, 502, 503))
        self.window = RollingWindow()
        self.data = Data(seed=seed)
        self.hooks = Hooks(self.lock, self.config, self.faults)
        self.dispatcher = self.hooks.dispatcher
        self.auth = Auth(self.lock, self.config, self.data.users)
        self.records = Records(self.lock, self.data, self.hooks)
        self.pipeline = Applications(self.lock, self.data, self.hooks, self.records,
                                          self.config)  # fmt: skip
        self.seeder = Seeder(self.lock, self.data, self.hooks, self.records, self.pipeline)
        self.partner = Partner(self.lock)  # an assessment partner and the tests ordered
        self.api = {"requests": 0}
        self.responses_by_status: dict[str, int] = {}
        # The Python API of the parts, as tests and the world call it.
        self.create_user, self.update_user = self.records.create_user, self.records.update_user
        self.delete_user, self.create_job = self.records.delete_user, self.records.create_job
        self.update_job, self.delete_job = self.records.update_job, self.records.delete_job
        self.create_candidate = self.records.create_candidate
        self.update_candidate = self.records.update_candidate
        self.delete_candidate = self.records.delete_candidate
        self.create_application = self.pipeline.create_application
        self.update_application = self.pipeline.update_application
        self.delete_application = self.pipeline.delete_application
        self.set_stage = self.pipeline.set_stage
        self.move_application = self.pipeline.move_application
        self.create_note = self.pipeline.create_note
        self.seed_data = self.seeder.seed_data
        self.register_webhook, self.update_webhook = self.hooks.register, self.hooks.update
        self.delete_webhook = self.hooks.delete
        self.add_client, self.issue_token = self.auth.add_client, self.auth.issue_token
        self.authenticate, self.expire_tokens = self.auth.authenticate, self.auth.expire_tokens

    # tables, by the names the tests know
    @property
    def users(self) -> Table:
        return self.data.users

    @property
    def jobs(self) -> Table:
        return self.data.jobs

    @property
    def stages(self) -> Table:
        return self.data.stages

    @property
    def candidates(self) -> Table:
        return self.data.candidates

    @property
    def applications(self) -> Table:
        return self.data.applications

    @property
    def notes(self) -> Table:
        return self.data.notes

    @property
    def webhooks(self) -> Mapping[int, Any]:
        return self.hooks.webhooks

    # setup --------------------------------------------------------------------------------

    def configure(self, /, **knobs: Any) -> dict[str, Any]:
        """Change SimConfig knobs (token_ttl_seconds, rate_limit, ...); returns them all."""
        with self.lock:
            self.config.update(knobs)
            self.dispatcher.set_workers(self.config.webhook_workers)
            return self.config.to_json()

    def set_faults(self, /, **faults: Any) -> dict[str, Any]:
        """Replace the fault settings (missing keys: no fault) and reseed their RNGs."""
        parsed = Faults.parse(faults, self.faults.seed)
        with self.lock:
            self.faults.set(parsed)
            return self.faults.dump()

    def reset(self, *, config: bool = False) -> None:
        """Drop all data, tokens, webhooks, deliveries, faults and counters. Clients stay;
        the config knobs too unless `config` is true."""
        with self.lock:
            self.data.clear()
            self.hooks.clear()
            self.auth.clear()
            self.partner.clear()
            self.window.clear()
            self.faults.reset()
            self.api["requests"] = 0
            self.responses_by_status.clear()
            if config:
                for key, value in asdict(SimConfig()).items():
                    setattr(self.config, key, value)
                self.configure()

    def control_reset(self, options: Mapping[str, Any]) -> None:
        if set(options) - {"config"} or not isinstance(options.get("config", False), bool):
            raise unprocessable("the body must be empty or {config: true|false}")
        self.reset(config=options.get("config", False))

    # /v3 ----------------------------------------------------------------------------------

    def admit(self, token: Token) -> dict[str, str]:
        """Rate-limit and fault checks of one /v3 request; the rate headers to send.

        Raises SimError (429 or 5xx, carrying the rate headers) to refuse the request.
        """
        with self.lock:
            self.api["requests"] += 1
            config = self.config
            admission = self.window.hit(token.value, config.rate_limit, config.rate_window_seconds)
            headers = admission.headers()
            if admission.retry_after is not None:
                retry = {"Retry-After": str(admission.retry_after)}
                raise SimError(429, "Too many requests", headers={**headers, **retry})
            fault = self.faults.request_fault()
            if fault is not None and fault.status == 429:
                retry = {"Retry-After": str(fault.retry_after)}
                raise SimError(
                    429, "Too many requests (injected burst)", headers={**headers, **retry}
                )
            if fault is not None:
                raise SimError(
                    fault.status, f"Injected server error {fault.status}", headers=headers
                )
            return headers

    def count_response(self, status: int) -> None:
        with self.lock:
            key = str(status)
            self.responses_by_status[key] = self.responses_by_status.get(key, 0) + 1

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
            page, after = scan(self.data.tables[resource], query)
            rendered = render(project(page, query.fields))
            return rendered, None if after is None else encode_cursor(query, after)

    def get(self, resource: str, rid: int) -> Record:
        with self.lock:
            table = self.data.tables.get(resource)
            if table is None or rid not in table:
                raise not_found(resource, rid)
            return dict(table[rid])

    def wait_for_deliveries(self, timeout: float = 10.0) -> bool:
        """Block until no delivery is queued, retrying or in flight (False on timeout)."""
        return self.dispatcher.wait_idle(timeout)

    def deliveries(self) -> list[dict[str, Any]]:
        return self.hooks.deliveries()

    def close(self) -> None:
        """Stop the delivery threads (they start again on the next delivery)."""
        self.dispatcher.stop()

    def control_state(self, root: str) -> dict[str, Any]:
        return self.state()

    def state(self) -> dict[str, Any]:
        """Everything: records, clients, token counts, webhooks, deliveries, knobs."""
        with self.lock:
            dump: dict[str, Any] = {
                name: [dict(record) for record in table.values()]
                for name, table in self.data.tables.items()
            }
            dump.update(
                clients=sorted(self.auth.clients),
                tokens=self.auth.dump(),
                api={
                    "requests": self.api["requests"],
                    "responses_by_status": dict(self.responses_by_status),
                    "rate_limited": self.window.throttled,
                },
                webhooks=[hook.to_json() for hook in self.hooks.webhooks.values()],
                deliveries=self.deliveries(),
                faults=self.faults.dump(),
                config=self.config.to_json(),
                partner=self.partner.dump(),
            )
            return dump
