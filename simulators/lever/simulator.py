"""``Lever``: the ``AtsSimulator`` of the Lever spec, for the world and the demo.

An application is a Lever opportunity (one candidacy of one contact, applying to one
posting): ``apply`` returns the opportunity's id, which becomes the invitation's
external id, and ``stage_of`` names its stage.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from simulators.lever import records
from simulators.lever.app import API, create_app
from simulators.lever.errors import NotFound
from simulators.lever.hooks import EVENTS
from simulators.lever.state import LeverSim

TENANT = """\
    ats: lever
    ats_base_url: {url}{api}
    secrets:
      api_key: {key}
      completed_stage_id: {completed}
{tokens}"""

# Lever has one webhook per event type, each with its URL and token: the spec serves each
# on a route of its own, named after the one the world subscribes plus the event's slug
ROUTE_OF = {"applicationCreated": "application-created", "candidateStageChange": "stage-change",
            "candidateArchiveChange": "archive-change", "candidateHired": "hired",
            "candidateDeleted": "deleted"}  # fmt: skip


def event_token(secret: str, event: str) -> str:
    """The signature token of one event's webhook, made from the world's hook secret."""
    return f"{secret}-{ROUTE_OF[event]}"


def event_url(url: str, event: str) -> str:
    """``…/hooks/acme/lever`` becomes ``…/hooks/acme/lever-stage-change``."""
    return f"{url}-{ROUTE_OF[event]}"


def _sim(app: Starlette) -> LeverSim:
    sim: LeverSim = app.state.sim
    return sim


class Lever:
    name = "lever"
    interview_stage = "Video Interview"
    completed_stage = "Video Interview Done"
    setup = "ideal"

    def __init__(self, *, rate_limit: int = 10_000) -> None:
        self.rate_limit = rate_limit
        self.roles = {"super admin": "admin", "admin": "admin", "team member": "recruiter",
                      "limited team member": "recruiter", "interviewer": "evaluator"}  # fmt: skip

    def create_app(self, *, seed: int = 0) -> Starlette:
        return create_app(seed=seed, rate_limit=self.rate_limit)

    def tenant(self, app: Starlette, base_url: str, hook_secret: str) -> str:
        key = f"lever-key-{hook_secret}"
        _sim(app).add_key(key)
        completed = records.STAGE_IDS[self.completed_stage]
        tokens = "".join(
            f"      signature_token_{route.replace('-', '_')}: {event_token(hook_secret, event)}\n"
            for event, route in ROUTE_OF.items()
        )
        return TENANT.format(url=base_url, api=API, key=key, completed=completed, tokens=tokens)

    def subscribe(self, app: Starlette, url: str, secret: str) -> None:
        for event in EVENTS:
            _sim(app).add_webhook(event_url(url, event), event, event_token(secret, event))

    def open_job(self, app: Starlette, title: str, description: str) -> Any:
        return _sim(app).create_posting(text=title, description=description)["id"]

    def update_job(self, app: Starlette, job_id: Any, title: str) -> None:
        _sim(app).update_posting(job_id, text=title)

    def close_job(self, app: Starlette, job_id: Any) -> None:
        _sim(app).update_posting(job_id, state="closed")

    def add_user(self, app: Starlette, first: str, last: str, email: str, role: str) -> Any:
        return _sim(app).add_user(f"{first} {last}", email, role)["id"]

    def apply(self, app: Starlette, job_id: Any, first: str, last: str, email: str) -> Any:
        return _sim(app).apply(job_id, f"{first} {last}", email)["id"]

    def move(self, app: Starlette, application_id: Any, stage: str) -> None:
        _sim(app).change_stage(application_id, records.STAGE_IDS[stage])

    def stage_of(self, app: Starlette, application_id: Any) -> str | None:
        try:
            return records.STAGE_TEXT[_sim(app).opportunity(application_id)["stage"]]
        except NotFound:
            return None

    def notes(self, app: Starlette, application_id: Any) -> list[str]:
        sim = _sim(app)
        with sim.lock:
            return [str(n["value"]) for n in sim.notes.find("opportunity", application_id)]
