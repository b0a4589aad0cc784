"""Bulk seeding of the Greenhouse simulator: many deterministic records at once.

seeder.seed_data(users=3, jobs=200, applications_per_job=50)
# {"jobs": {"count": 200, "first_id": 4000001, "last_id": 4000200}, ...}
"""

from __future__ import annotations

import threading
import time
from functools import partial
from typing import Any

from simulators.greenhouse.applications import Applications
from simulators.greenhouse.checks import c_enum
from simulators.greenhouse.data import Data
from simulators.greenhouse.errors import unprocessable
from simulators.greenhouse.hooks import Hooks
from simulators.greenhouse.payloads import job_payload
from simulators.greenhouse.records import APP_STATUSES, JOB_STATUSES, Records
from simulators.greenhouse.seed import (
    COMPANIES,
    DEFAULT_STAGES,
    TITLES,
    job_fields,
    pick_job_status,
    pick_stage,
)
from simulators.greenhouse.times import iso
from simulators.kit.table import Record


def _job_event(job: Record) -> dict[str, Any]:
    return {"job": job_payload(job)}


class Seeder:
    """Bulk seeding through the same inserts the control plane uses."""

    def __init__(self, lock: threading.RLock, data: Data, hooks: Hooks, records: Records,
                 applications: Applications) -> None:  # fmt: skip
        self.lock = lock
        self.data = data
        self.hooks = hooks
        self.records = records
        self.applications = applications

    def seed_data(
        self,
        *,
        users: int = 0,
        jobs: int = 0,
        candidates: int = 0,
        applications_per_job: int = 0,
        job_status: str | None = None,
        stage_name: str | None = None,
        status: str | None = None,
        webhooks: bool = False,
    ) -> dict[str, Any]:
        """Bulk-create deterministic data (same seed and calls, same data).

        Applications cycle through the `candidates` pool; when the pool is empty, or the
        candidate already applied to the job, a new candidate is made for it. Jobs are
        mostly open (or all `job_status`), applications mostly in_process in early stages
        (or all at `stage_name` / `status`). Timestamps lie in the last 30 days and rise
        with the ids. No webhooks fire unless `webhooks` is true.
        """
        for name, count in (
            ("users", users),
            ("jobs", jobs),
            ("candidates", candidates),
            ("applications_per_job", applications_per_job),
        ):
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise unprocessable(f"{name} must be an integer >= 0", name)
        if job_status is not None:
            c_enum(*JOB_STATUSES)("job_status", job_status)
        if status is not None:
            c_enum(*APP_STATUSES)("status", status)
        if not isinstance(webhooks, bool):
            raise unprocessable("webhooks must be a boolean", "webhooks")
        with self.lock:
            return self._seed(
                users,
                jobs,
                candidates,
                applications_per_job,
                job_status,
                stage_name,
                status,
                webhooks,
            )

    def _seed(
        self,
        n_users: int,
        n_jobs: int,
        n_candidates: int,
        per_job: int,
        job_status: str | None,
        stage_name: str | None,
        status: str | None,
        webhooks: bool,
    ) -> dict[str, Any]:
        rng, names = self.data.rng, self.data.names
        total = n_users + n_jobs + n_candidates + n_jobs * per_job * 2
        now = time.time()
        start, step = now - 30 * 86400, (29 * 86400) / max(total, 1)
        clock = iter(range(total + 1))

        def stamps() -> dict[str, str]:
            created = start + next(clock) * step
            return {
                "created_at": iso(created),
                "updated_at": iso(created + rng.uniform(0, 6 * 3600)),
            }

        first_ids = dict(self.data.next_ids)
        staff: list[int] = []
        for _ in range(n_users):
            first, last = names.person()
            admin = not self.data.users or rng.random() < 0.1
            user = self.records.insert_user(
                {
                    "first_name": first,
                    "last_name": last,
                    "email": names.email(first, last, "greenhouse-sim.example.com"),
                    "site_admin": admin,
                    "deactivated": not admin and rng.random() < 0.05,
                    "job_title": rng.choice(("Recruiter", "Hiring Manager", "Coordinator")),
                    **stamps(),
                }
            )
            if not user["deactivated"]:
                staff.append(user["id"])

        def new_candidate() -> Record:
            first, last = names.person()
            emails = [{"value": names.email(first, last), "type": "personal"}]
            if rng.random() < 0.3:
                emails.append(
                    {"value": names.email(first, last, "work.example.com"), "type": "work"}
                )
            phones = [{"value": names.phone(), "type": "mobile"}] if rng.random() < 0.8 else []
            return self.records.insert_candidate(
                {
                    "first_name": first,
                    "last_name": last,
                    "company": rng.choice(COMPANIES),
                    "title": rng.choice(TITLES),
                    "email_addresses": emails,
                    "phone_numbers": phones,
                    **stamps(),
                }
            )

        pool = [new_candidate() for _ in range(n_candidates)]
        new_jobs: list[Record] = []
        existing = len(self.data.jobs)
        for index in range(n_jobs):
            fields: dict[str, Any] = job_fields(rng, existing + index)
            fields["status"] = job_status or pick_job_status(rng)
            job = self.records.insert_job({**fields, **stamps()}, DEFAULT_STAGES)
            new_jobs.append(job)
            if webhooks:
                self.hooks.emit("job_created", partial(_job_event, job))
        applied = 0
        for job in new_jobs:
            job_stages = self.data.job_stages(job["id"])
            for _ in range(per_job):
                candidate = pool[applied % len(pool)] if pool else None
                if candidate is None or self.data.has_application(candidate["id"], job["id"]):
                    candidate = new_candidate()
                applied += 1
                if stage_name is not None:
                    stage = self.data.stage_by_name(job["id"], stage_name)
                else:
                    stage = job_stages[pick_stage(rng, len(job_stages))]
                app_status = status or rng.choices(APP_STATUSES[:3], weights=(85, 10, 5))[0]
                if app_status == "hired" and status is None:
                    stage = job_stages[-1]
                app = self.applications.insert_application(
                    candidate,
                    job,
                    {
                        "stage_id": stage["id"],
                        "status": app_status,
                        "recruiter_id": rng.choice(staff) if staff else None,
                        **stamps(),
                    },
                )
                if webhooks:
                    self.hooks.emit(
                        "new_candidate_application", partial(self.data.app_payload, app)
                    )
        return {
            resource: {
                "count": self.data.next_ids[resource] - first,
                "first_id": first,
                "last_id": self.data.next_ids[resource] - 1,
            }
            for resource, first in first_ids.items()
            if self.data.next_ids[resource] > first
        }
