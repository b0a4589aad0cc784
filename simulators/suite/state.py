"""Everything the suite simulator knows, behind one object tests reach as ``app.state.sim``.

    sim = app.state.sim
    sim.add_company({"id": "acme", "name": "Acme", "users": [...], "clients": [...]})
    sim.company("acme").projects          # a Table: id -> record, in creation order
    token = sim.issue_token("acme")       # skip OAuth when a test is not about it
    sim.settings.access_token_ttl = 1
    sim.expire_access_tokens()
    sim.webhooks.wait_idle()              # every queued message delivered, failed or dropped
    sim.faults.set(Faults(error_rate=0.2))  # the kit's fault knobs
    sim.tokens.requests["refresh_token"]  # token requests per grant type

``clock_offset`` moves the simulator's clock (codes, tokens, assertions, timestamps)
without sleeping.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Mapping
from typing import Any

from cryptography import x509

from simulators.kit.errors import Invalid
from simulators.kit.faults import FaultModel
from simulators.kit.table import Record
from simulators.suite.company import Company
from simulators.suite.errors import Conflict, ValidationFailed
from simulators.suite.knobs import Settings, Traffic
from simulators.suite.records import USER, Kind, check, show
from simulators.suite.tokens import DEFAULT_SCOPE, Client, TokenStore
from simulators.suite.webhooks import Outbox

PLACEHOLDER_ROOT = "http://suite.invalid"


class SuiteState:
    def __init__(self, public_url: str | None = None, *, seed: int = 0) -> None:
        self.public_url = public_url.rstrip("/") if public_url else None
        self.seed = seed
        self.lock = threading.RLock()
        self.clock_offset = 0.0
        self.secret = secrets.token_bytes(32)
        self.settings = Settings()
        self.faults = FaultModel(seed=seed, error_statuses=(500, 503))
        self.traffic = Traffic(self.settings, self.faults, self.now)
        self.tokens = TokenStore(self.settings, self.now)
        self.webhooks = Outbox(self.settings, self.faults, self.now)
        self.dispatcher = self.webhooks.dispatcher
        self.companies: dict[str, Company] = {}
        self.sessions: dict[str, str] = {}  # SSO session id -> email
        # The root the first request came in on, for links made outside a request.
        self.seen_root: str | None = None

    def now(self) -> float:
        return time.time() + self.clock_offset

    def root(self, request_root: str | None = None) -> str:
        """The public root: as configured, else as requested, else as last seen."""
        if request_root is not None and self.seen_root is None:
            self.seen_root = request_root
        return self.public_url or request_root or self.seen_root or PLACEHOLDER_ROOT

    def company(self, company_id: str) -> Company:
        return self.companies[company_id]

    def add_company(self, spec: Mapping[str, Any]) -> Company:
        """Create a company with its users and OAuth clients, all or nothing."""
        company_id = spec.get("id") or "cmp_" + secrets.token_hex(6)
        problems: dict[str, str] = {}
        if not isinstance(company_id, str):
            problems["id"] = "must be a string"
        name = spec.get("name")
        if not isinstance(name, str) or not name.strip():
            problems["name"] = "is required and must be a non-empty string"
        users = _list(spec, "users", problems)
        clients = _list(spec, "clients", problems)
        seen: set[str] = set()
        for at, user in enumerate(users):
            try:
                email = check(USER, user if isinstance(user, dict) else {}, creating=True)["email"]
            except ValidationFailed as exc:
                problems.update({f"users[{at}].{k}": v for k, v in exc.fields.items()})
                continue
            if email.casefold() in seen:
                problems[f"users[{at}].email"] = f"{email!r} is listed twice"
            seen.add(email.casefold())
        parsed = [self._client(c, str(company_id), at, problems) for at, c in enumerate(clients)]
        if problems:
            raise ValidationFailed(problems)
        with self.lock:
            if company_id in self.companies:
                raise Conflict(f"company {company_id!r} exists", existing_id=company_id)
            taken = [c.client_id for c in parsed if c and c.client_id in self.tokens.clients]
            if taken:
                raise Conflict(f"client {taken[0]!r} exists", existing_id=taken[0])
            company = Company(str(company_id), str(name), self)
            self.companies[company.id] = company
            for user in users:
                company.create(USER, user)
            for client in parsed:
                if client is not None:
                    self.tokens.clients[client.client_id] = client
            return company

    def clients_of(self, company_id: str) -> list[Client]:
        return [c for c in self.tokens.clients.values() if c.company_id == company_id]

    def emit(self, company: Company, event: str, kind: Kind, record: Record) -> None:
        if not company.webhooks:  # the common case when tests seed thousands of records
            return
        data = dict(record) if event.endswith(".deleted") else show(kind, record, self.root())
        self.webhooks.publish(company.id, list(company.webhooks.values()), event, data)

    def ping(self, company: Company, webhook: Record) -> None:
        data = {"id": webhook["id"], "url": webhook["url"], "events": webhook["events"]}
        self.webhooks.publish(company.id, [webhook], "webhook.ping", data)

    def issue_token(
        self, company_id: str, *, user_email: str | None = None, scope: str = DEFAULT_SCOPE
    ) -> str:
        """An access token for a company (and a user of it), as if a client had asked."""
        company = self.company(company_id)
        user = company.user_by_email(user_email) if user_email else None
        if user_email and user is None:
            raise KeyError(f"no user {user_email!r} in company {company_id!r}")
        with self.lock:
            body = self.tokens.issue(
                None,
                grant="simulator",
                company_id=company_id,
                user_id=user["id"] if user else None,
                scope=scope,
            )
        return str(body["access_token"])

    def expire_access_tokens(self) -> int:
        with self.lock:
            return self.tokens.expire_access_tokens()

    def sign_in(self, email: str) -> str | None:
        """A new SSO session for anyone who is a user of some company, else None."""
        if not any(c.user_by_email(email) for c in self.companies.values()):
            return None
        session = secrets.token_urlsafe(24)
        self.sessions[session] = email
        return session

    def memberships(self, session: str | None) -> dict[str, Record]:
        """The signed-in person's user record in each company, by company id."""
        email = self.sessions.get(session or "")
        if email is None:
            return {}
        found = {cid: c.user_by_email(email) for cid, c in self.companies.items()}
        return {cid: user for cid, user in found.items() if user is not None}

    def reset(self) -> None:
        """Forget every company, token, session, delivery, knob and clock offset."""
        with self.lock:
            self.companies.clear()
            self.sessions.clear()
            self.tokens.reset()
            self.webhooks.reset()
            self.traffic.reset()
            defaults = Settings()
            for name, value in vars(defaults).items():
                setattr(self.settings, name, value)
            self.clock_offset = 0.0

    def control_reset(self, options: Mapping[str, Any]) -> None:
        if options:
            raise Invalid({name: "the suite's reset takes no options" for name in options})
        self.reset()

    def control_state(self, root: str) -> dict[str, Any]:
        return self.dump(root)

    def deliveries(self) -> list[dict[str, Any]]:
        return self.webhooks.dump()

    def dump(self, root: str | None = None) -> dict[str, Any]:
        public = self.root(root)
        with self.lock:
            companies = {}
            for cid, company in self.companies.items():
                companies[cid] = company.dump(lambda kind, r: _dump_record(kind, r, public))
                companies[cid]["clients"] = [c.dump() for c in self.clients_of(cid)]
            return {
                "companies": companies,
                "token_requests": dict(self.tokens.requests),
                "tokens_issued": dict(self.tokens.issued),
                "deliveries": self.webhooks.dump(),
                "faults": self.faults.dump(),
                "settings": vars(self.settings).copy(),
                "clock_offset": self.clock_offset,
            }

    def _client(
        self, spec: Any, company_id: str, at: int, problems: dict[str, str]
    ) -> Client | None:
        where = f"clients[{at}]"
        if not isinstance(spec, dict):
            problems[where] = "must be an object"
            return None
        for name in ("client_id", "client_secret"):
            if not isinstance(spec.get(name), str) or not spec[name]:
                problems[f"{where}.{name}"] = "is required and must be a non-empty string"
        uris = spec.get("redirect_uris", [])
        if not isinstance(uris, list) or not all(isinstance(u, str) for u in uris):
            problems[f"{where}.redirect_uris"] = "must be an array of URLs"
            uris = []
        cert = spec.get("saml_certificate")
        if cert is not None:
            try:
                x509.load_pem_x509_certificate(cert.encode())
            except (AttributeError, ValueError):
                problems[f"{where}.saml_certificate"] = "must be a PEM X.509 certificate"
        issuer = spec.get("saml_issuer")
        if issuer is not None and not isinstance(issuer, str):
            problems[f"{where}.saml_issuer"] = "must be a string"
        if any(k.startswith(where) for k in problems):
            return None
        return Client(
            spec["client_id"], spec["client_secret"], company_id, tuple(uris), cert, issuer
        )


def _list(spec: Mapping[str, Any], name: str, problems: dict[str, str]) -> list[Any]:
    value = spec.get(name, [])
    if not isinstance(value, list):
        problems[name] = "must be an array"
        return []
    return value


def _dump_record(kind: Kind, record: Record, public: str) -> dict[str, Any]:
    out = show(kind, record, public)
    if kind.name == "webhook":
        out["secret"] = record["secret"]
    return out
