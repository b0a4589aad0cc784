"""``AtsSimulator``: what the world and the demo need from an ATS simulator.

    class Lever:                                # simulators/lever/__init__.py
        name = "lever"                          # the spec, mappings/ats/lever.yaml
        interview_stage, completed_stage = "Video Interview", "Video Interview Done"
        setup = "ideal"
        roles = {"super admin": "admin", "interviewer": "viewer"}   # ATS role: suite role
        def create_app(self, *, seed: int = 0) -> Starlette: ...
        def tenant(self, app, base_url, hook_secret) -> str: ...   # connector.yaml lines
        ...

    SIMULATORS = [Greenhouse(), Lever()]        # simulators/registry.py

The methods take the simulator's app (its state is ``app.state.sim``), so one simulator
object serves every world. Ids go in and out as the ATS spells them.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from starlette.applications import Starlette


@runtime_checkable
class AtsSimulator(Protocol):
    name: str
    """The ATS spec this simulator stands for: ``mappings/ats/{name}.yaml``."""
    interview_stage: str
    """The stage whose applications the spec invites to a video interview."""
    completed_stage: str
    """The stage the spec moves an application to once the interview is recorded."""
    setup: str
    """The tenant's setup with this ATS: ``ideal`` (webhooks) or ``static`` (polling only)."""
    roles: dict[str, str]
    """Each ATS role ``add_user`` takes, and the suite role the spec converts it to."""

    def create_app(self, *, seed: int = 0) -> Starlette:
        """A new simulator, empty; ``seed`` seeds its data and fault RNGs."""
        ...

    def tenant(self, app: Starlette, base_url: str, hook_secret: str) -> str:
        """Make the credentials a connector uses, and return the tenant's lines of
        connector.yaml (``ats:``, its URLs and ``secrets:``), indented by four spaces."""
        ...

    def subscribe(self, app: Starlette, url: str, secret: str) -> None:
        """Send every webhook event to ``url``, signed with ``secret``."""
        ...

    def open_job(self, app: Starlette, title: str, description: str) -> Any:
        """An open job (its webhook sent); returns its id."""
        ...

    def update_job(self, app: Starlette, job_id: Any, title: str) -> None:
        """Rename a job, as a recruiter would (its webhook sent, its update time moved)."""
        ...

    def close_job(self, app: Starlette, job_id: Any) -> None:
        """Close, archive or delete the job, whichever this ATS does to a filled job; the
        spec archives its project."""
        ...

    def add_user(self, app: Starlette, first: str, last: str, email: str, role: str) -> Any:
        """An active user with the ATS role ``role`` (a key of ``roles``); returns its id."""
        ...

    def apply(self, app: Starlette, job_id: Any, first: str, last: str, email: str) -> Any:
        """A new candidate's application to a job; returns the application's id."""
        ...

    def move(self, app: Starlette, application_id: Any, stage: str) -> None:
        """Move an application to the stage named ``stage``, as a recruiter would."""
        ...

    def stage_of(self, app: Starlette, application_id: Any) -> str | None:
        """The name of the stage the application is in, None if it is gone."""
        ...

    def notes(self, app: Starlette, application_id: Any) -> list[str]:
        """The bodies of the notes (or comments) on an application, oldest first. A rating's
        note names the score as ``4/5``, the evaluator and the comment."""
        ...
