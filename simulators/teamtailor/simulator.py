"""``Teamtailor``: the Teamtailor simulator as the world and the demo use it.

sim = Teamtailor()
app = sim.create_app(seed=0)
fragment = sim.tenant(app, "http://127.0.0.1:8125", "tt-hook-…")   # connector.yaml
job_id = sim.open_job(app, "Product Designer", "<p>Design team</p>")
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from simulators.teamtailor.app import create_app
from simulators.teamtailor.state import TeamtailorSim

API_KEY = "tt-api-key-" + "0" * 16

TENANT = """\
    ats: teamtailor
    ats_base_url: {url}/v1
    secrets:
      api_key: {api_key}
      completed_stage_id: "{completed}"
      webhook_secret: {hook_secret}
"""


def _sim(app: Starlette) -> TeamtailorSim:
    sim: TeamtailorSim = app.state.sim
    return sim


class Teamtailor:
    name = "teamtailor"
    interview_stage = "Video Interview"
    completed_stage = "Video Interview Completed"
    setup = "ideal"

    def __init__(self) -> None:
        self.roles = {
            "admin": "admin",
            "recruitment_admin": "recruiter",
            "user": "recruiter",
            "hiring_manager": "evaluator",
        }

    def create_app(self, *, seed: int = 0) -> Starlette:
        return create_app(seed=seed)

    def tenant(self, app: Starlette, base_url: str, hook_secret: str) -> str:
        sim = _sim(app)
        sim.add_api_key(API_KEY)
        completed = sim.stage_named(self.completed_stage)["id"]
        return TENANT.format(
            url=base_url, api_key=API_KEY, completed=completed, hook_secret=hook_secret
        )

    def subscribe(self, app: Starlette, url: str, secret: str) -> None:
        with _sim(app).lock:
            _sim(app).hooks.register(url, secret)

    def open_job(self, app: Starlette, title: str, description: str) -> Any:
        return _sim(app).create_job(title=title, body=description, status="open")["id"]

    def update_job(self, app: Starlette, job_id: Any, title: str) -> None:
        _sim(app).update_job(str(job_id), title=title)

    def close_job(self, app: Starlette, job_id: Any) -> None:
        _sim(app).update_job(str(job_id), status="archived")

    def add_user(self, app: Starlette, first: str, last: str, email: str, role: str) -> Any:
        return _sim(app).create_user(name=f"{first} {last}", email=email, role=role)["id"]

    def apply(self, app: Starlette, job_id: Any, first: str, last: str, email: str) -> Any:
        application = _sim(app).create_application(
            str(job_id), first_name=first, last_name=last, email=email
        )
        return application["id"]

    def move(self, app: Starlette, application_id: Any, stage: str) -> None:
        sim = _sim(app)
        sim.move(str(application_id), sim.stage_named(stage)["id"])

    def stage_of(self, app: Starlette, application_id: Any) -> str | None:
        sim = _sim(app)
        with sim.lock:
            application = sim.tables["job-applications"].get(str(application_id))
            if application is None:
                return None
            return str(sim.tables["stages"][application["stage_id"]]["name"])

    def notes(self, app: Starlette, application_id: Any) -> list[str]:
        sim = _sim(app)
        with sim.lock:
            application = sim.tables["job-applications"].get(str(application_id))
            if application is None:
                return []
            notes = sim.tables["notes"].values()
            return [
                str(n["note"]) for n in notes if n["candidate_id"] == application["candidate_id"]
            ]
