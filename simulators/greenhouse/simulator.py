"""``Greenhouse``: the Greenhouse simulator as the world and the demo use it.

sim = Greenhouse()
app = sim.create_app(seed=0)
fragment = sim.tenant(app, "http://127.0.0.1:8124", "gh-hook-…")   # connector.yaml
job_id = sim.open_job(app, "Product Designer", "<p>Design team</p>")
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from simulators.greenhouse.app import create_app
from simulators.greenhouse.state import GreenhouseSim

CLIENT = ("gh-connector", "gh-secret-" + "0" * 8)

TENANT = """\
    ats: greenhouse
    ats_base_url: {url}/v3
    ats_token_url: {url}/token
    secrets:
      client_id: {client_id}
      client_secret: {client_secret}
      user_id: "{user_id}"
      webhook_secret: {hook_secret}
"""


def _sim(app: Starlette) -> GreenhouseSim:
    sim: GreenhouseSim = app.state.sim
    return sim


class Greenhouse:
    name = "greenhouse"
    interview_stage = "Video Interview"
    completed_stage = "Video Interview Completed"
    setup = "ideal"

    def __init__(self) -> None:
        self.roles = {"Site Admin": "admin", "Standard": "recruiter"}

    def create_app(self, *, seed: int = 0) -> Starlette:
        return create_app(seed=seed)

    def tenant(self, app: Starlette, base_url: str, hook_secret: str) -> str:
        sim = _sim(app)
        sim.add_client(*CLIENT)
        acting = sim.create_user(
            first_name="Connector", last_name="Service", email="connector@acme.example"
        )
        return TENANT.format(url=base_url, client_id=CLIENT[0], client_secret=CLIENT[1],
                             user_id=acting["id"], hook_secret=hook_secret)  # fmt: skip

    def subscribe(self, app: Starlette, url: str, secret: str) -> None:
        _sim(app).register_webhook(url, secret)

    def open_job(self, app: Starlette, title: str, description: str) -> Any:
        return _sim(app).create_job(name=title, status="open", notes=description)["id"]

    def update_job(self, app: Starlette, job_id: Any, title: str) -> None:
        _sim(app).update_job(job_id, name=title)

    def close_job(self, app: Starlette, job_id: Any) -> None:
        _sim(app).delete_job(job_id)

    def add_user(self, app: Starlette, first: str, last: str, email: str, role: str) -> Any:
        admin = {"Site Admin": True, "Standard": False}[role]
        user = _sim(app).create_user(
            first_name=first, last_name=last, email=email, site_admin=admin
        )
        return user["id"]

    def apply(self, app: Starlette, job_id: Any, first: str, last: str, email: str) -> Any:
        candidate = {"first_name": first, "last_name": last,
                     "email_addresses": [{"value": email, "type": "personal"}]}  # fmt: skip
        return _sim(app).create_application(job_id=job_id, candidate=candidate)["id"]

    def move(self, app: Starlette, application_id: Any, stage: str) -> None:
        _sim(app).set_stage(application_id, stage_name=stage)

    def stage_of(self, app: Starlette, application_id: Any) -> str | None:
        application = _sim(app).applications.get(application_id)
        return None if application is None else str(application["stage_name"])

    def notes(self, app: Starlette, application_id: Any) -> list[str]:
        notes = _sim(app).notes.values()
        return [str(n["body"]) for n in notes if n["application_id"] == application_id]
