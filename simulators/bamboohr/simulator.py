"""``BambooHR``: the BambooHR simulator as the world and the demo use it.

sim = BambooHR()
app = sim.create_app(seed=0)
fragment = sim.tenant(app, "http://127.0.0.1:8124", "unused")   # connector.yaml
job_id = sim.open_job(app, "Product Designer", "<p>Design team</p>")
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from simulators.bamboohr.app import create_app
from simulators.bamboohr.state import BambooSim

API_KEY = "bhr-key-" + "0" * 16
COMPANY = "acme"

TENANT = """\
    ats: bamboohr
    ats_base_url: {url}/api/v1
    secrets:
      api_key: {key}
      company_domain: {company}
      completed_status_id: "{done}"
"""


def _sim(app: Starlette) -> BambooSim:
    sim: BambooSim = app.state.sim
    return sim


class BambooHR:
    name = "bamboohr"
    interview_stage = "Video Interview"
    completed_stage = "Video Interview Done"
    setup = "static"

    def __init__(self) -> None:
        # BambooHR's user list carries no access level: a user linked to an employee
        # record is staff, one without (an outside account) only looks on
        self.roles = {"Employee": "recruiter", "Non-employee": "viewer"}

    def create_app(self, *, seed: int = 0) -> Starlette:
        return create_app(seed=seed)

    def tenant(self, app: Starlette, base_url: str, hook_secret: str) -> str:
        sim = _sim(app)
        sim.add_key(API_KEY)
        done = sim.status_id(self.completed_stage)
        return TENANT.format(url=base_url, key=API_KEY, company=COMPANY, done=done)

    def subscribe(self, app: Starlette, url: str, secret: str) -> None:
        """Nothing: BambooHR has no applicant tracking webhooks, so a tenant polls."""

    def open_job(self, app: Starlette, title: str, description: str) -> Any:
        return _sim(app).create_job(title=title, description=description)["id"]

    def update_job(self, app: Starlette, job_id: Any, title: str) -> None:
        _sim(app).update_job(int(job_id), title=title)

    def close_job(self, app: Starlette, job_id: Any) -> None:
        _sim(app).update_job(int(job_id), status="Filled")

    def add_user(self, app: Starlette, first: str, last: str, email: str, role: str) -> Any:
        employee = {"Employee": True, "Non-employee": False}[role]
        user = _sim(app).create_user(first_name=first, last_name=last, email=email,
                                     employee=employee)  # fmt: skip
        return user["id"]

    def apply(self, app: Starlette, job_id: Any, first: str, last: str, email: str) -> Any:
        application = _sim(app).create_application(
            int(job_id), first_name=first, last_name=last, email=email
        )
        return application["id"]

    def move(self, app: Starlette, application_id: Any, stage: str) -> None:
        sim = _sim(app)
        sim.set_status(int(application_id), sim.status_id(stage))

    def stage_of(self, app: Starlette, application_id: Any) -> str | None:
        sim = _sim(app)
        with sim.lock:
            application = sim.applications.get(application_id)
            if application is None:
                return None
            return sim.status_name(application["status_id"])

    def notes(self, app: Starlette, application_id: Any) -> list[str]:
        sim = _sim(app)
        with sim.lock:
            comments = sim.comments.values()
            return [str(c["comment"]) for c in comments if c["application_id"] == application_id]
