"""``Workable``: the Workable simulator as the world and the demo use it.

    sim = Workable()                       # Workable(rate_limit=10): the real account limit
    app = sim.create_app(seed=0)
    fragment = sim.tenant(app, "http://127.0.0.1:8124", "hook-…")   # connector.yaml lines
    shortcode = sim.open_job(app, "Product Designer", "<p>Design team</p>")

Workable signs its webhooks with the account token, so the world's hook secret is the
account token the tenant uses.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from simulators.workable import records
from simulators.workable.app import API, create_app
from simulators.workable.errors import NotFound
from simulators.workable.hooks import EVENTS
from simulators.workable.state import WorkableSim

TENANT = """\
    ats: workable
    ats_base_url: {url}{api}
    secrets:
      subdomain: {subdomain}
      api_token: {token}
      member_id: {member}
"""


def _sim(app: Starlette) -> WorkableSim:
    sim: WorkableSim = app.state.sim
    return sim


class Workable:
    name = "workable"
    interview_stage = "Video Interview"
    completed_stage = "Video Interview Completed"
    setup = "ideal"

    def __init__(self, *, rate_limit: int = 10_000) -> None:
        self.rate_limit = rate_limit
        self.roles = {"admin": "admin", "simple": "recruiter", "recruiter": "recruiter",
                      "reviewer": "evaluator"}  # fmt: skip

    def create_app(self, *, seed: int = 0) -> Starlette:
        return create_app(seed=seed, rate_limit=self.rate_limit)

    def tenant(self, app: Starlette, base_url: str, hook_secret: str) -> str:
        sim = _sim(app)
        sim.add_token(hook_secret)
        return TENANT.format(url=base_url, api=API, subdomain=sim.subdomain, token=hook_secret,
                             member=sim.tokens[hook_secret])  # fmt: skip

    def subscribe(self, app: Starlette, url: str, secret: str) -> None:
        sim = _sim(app)
        if secret not in sim.tokens:
            sim.add_token(secret)
        for event in EVENTS:
            sim.subscribe(secret, {"target": f"{url}?event={event}", "event": event})

    def open_job(self, app: Starlette, title: str, description: str) -> Any:
        return _sim(app).create_job(title=title, description=description)["shortcode"]

    def update_job(self, app: Starlette, job_id: Any, title: str) -> None:
        _sim(app).update_job(job_id, title=title)

    def close_job(self, app: Starlette, job_id: Any) -> None:
        _sim(app).update_job(job_id, state="archived")

    def add_user(self, app: Starlette, first: str, last: str, email: str, role: str) -> Any:
        return _sim(app).add_member(f"{first} {last}", email, role)["id"]

    def apply(self, app: Starlette, job_id: Any, first: str, last: str, email: str) -> Any:
        return _sim(app).create_candidate(job_id, first, last, email)["id"]

    def move(self, app: Starlette, application_id: Any, stage: str) -> None:
        _sim(app).move(application_id, records.STAGE_SLUGS[stage])

    def stage_of(self, app: Starlette, application_id: Any) -> str | None:
        try:
            return str(_sim(app).candidate(application_id)["stage"])
        except NotFound:
            return None

    def notes(self, app: Starlette, application_id: Any) -> list[str]:
        sim = _sim(app)
        with sim.lock:
            comments = list(sim.comments.values())
        return [str(c["body"]) for c in comments if c["candidate_id"] == application_id]
