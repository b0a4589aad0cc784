"""``BambooSim``: the data of one simulated BambooHR company, behind one lock.

    sim = BambooSim(seed=0)
    sim.add_key("bhr-key-0001")
    job = sim.create_job(title="Engineer")                  # status Open
    app = sim.create_application(job["id"], first_name="Ada", last_name="Lovelace",
                                 email="ada@example.com")   # status New
    sim.set_status(app["id"], 21)                           # Video Interview

Times are UTC ISO 8601 with whole seconds (``2024-01-02T03:04:05Z``); ``newSince``
compares them with the submission time only, as the contract says.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from simulators.bamboohr import views
from simulators.bamboohr.views import JOB_STATUSES, STATUS_NAMES, Record
from simulators.kit.errors import HttpError
from simulators.kit.faults import FaultModel
from simulators.kit.webhooks import Dispatcher

ACTIVE = frozenset({2, 3, 4, 5, 6, 7, 8, 21, 22})


class BambooError(HttpError):
    """An error as BambooHR answers it: the status, the message in
    ``X-BambooHR-Error-Message``, and the body the contract gives that status."""

    def __init__(self, status: int, message: str, *, headers: Mapping[str, str] | None = None,
                 html: bool = False) -> None:  # fmt: skip
        super().__init__(message, headers={"X-BambooHR-Error-Message": message, **(headers or {})})
        self.status = status
        self.html = html


def stamp(moment: float | None = None) -> str:
    return time.strftime(
        "%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if moment is None else moment)
    )


def parse_new_since(text: str) -> str:
    """``Y-m-d H:i:s`` (UTC) as a record time; BambooError 400 when it is not one."""
    try:
        moment = datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        raise BambooError(400, f"newSince must be Y-m-d H:i:s, got {text!r}") from None
    return stamp(moment.timestamp())


class BambooSim:
    def __init__(self, *, seed: int = 0) -> None:
        self.lock = threading.RLock()
        self.seed = seed
        # 503 is how BambooHR says "too many requests", so the faults answer it too
        self.faults = FaultModel(seed=seed, error_statuses=(500, 502, 503))
        self.dispatcher = Dispatcher(lambda delivery: {}, faults=self.faults)  # never used
        self.keys: set[str] = set()
        self.page_size = 100
        self.public_base_url: str | None = None
        self.requests: list[str] = []
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self._ids = itertools.count(101)
            self.jobs: dict[int, Record] = {}
            self.applications: dict[int, Record] = {}
            self.users: dict[int, Record] = {}
            self.comments: dict[int, Record] = {}
            self.status_changes: list[Record] = []
            self.leads: dict[int, Record] = {}

    def next_id(self) -> int:
        return next(self._ids)

    # --- control ----------------------------------------------------------------------

    def add_key(self, key: str) -> None:
        with self.lock:
            self.keys.add(key)

    def control_reset(self, options: Mapping[str, Any]) -> None:
        if options:
            raise HttpError("the body must be empty")
        self.reset()

    def control_state(self, root: str) -> dict[str, Any]:
        with self.lock:
            return {
                "jobs": list(self.jobs.values()), "applications": list(self.applications.values()),
                "users": list(self.users.values()), "comments": list(self.comments.values()),
                "status_changes": list(self.status_changes), "page_size": self.page_size,
                "faults": self.faults.dump(),
            }  # fmt: skip

    def deliveries(self) -> list[dict[str, Any]]:
        return []

    def close(self) -> None:
        self.dispatcher.stop()

    # --- records ----------------------------------------------------------------------

    def create_job(self, *, title: str, status: str = "Open", description: str = "") -> Record:
        if status not in JOB_STATUSES:
            raise BambooError(400, f"unknown job status {status!r}")
        with self.lock:
            lead = self.leads.get(1) or self._lead()
            job: Record = {"id": self.next_id(), "title": title, "status": status,
                   "description": description, "postedDate": stamp(), "lead": lead["employeeId"]}  # fmt: skip
            self.jobs[job["id"]] = job
            return job

    def _lead(self) -> Record:
        lead = {"employeeId": 1, "firstName": "Hanna", "lastName": "Lead"}
        self.leads[1] = lead
        return lead

    def update_job(self, job_id: int, **changes: Any) -> Record:
        with self.lock:
            job = self.jobs[job_id]
            job.update(changes)
            return job

    def create_application(
        self, job_id: int, *, first_name: str, last_name: str, email: str,
        applied: str | None = None, status_id: int = 1,
    ) -> Record:  # fmt: skip
        with self.lock:
            if job_id not in self.jobs:
                raise BambooError(404, f"no job opening {job_id}")
            when = applied or stamp()
            person: Record = {"id": self.next_id(), "firstName": first_name, "lastName": last_name,
                      "email": email, "phoneNumber": None, "source": "Careers Page"}  # fmt: skip
            application: Record = {"id": self.next_id(), "job_id": job_id, "applicant": person,
                           "status_id": status_id, "appliedDate": when, "statusChanged": when}  # fmt: skip
            self.applications[application["id"]] = application
            return application

    def set_status(self, application_id: int, status_id: int) -> Record:
        """A status change, as through the API or by a recruiter; BambooError 400 for an
        unknown status, as the contract says (message in a header, empty body)."""
        with self.lock:
            application = self.applications.get(application_id)
            if application is None:
                raise BambooError(404, f"no application {application_id}")
            if status_id not in STATUS_NAMES:
                raise BambooError(400, "Invalid status", html=True)
            application.update(status_id=status_id, statusChanged=stamp())
            change = {"id": self.next_id(), "application_id": application_id, "status": status_id}
            self.status_changes.append(change)
            return change

    def status_name(self, status_id: int) -> str:
        return STATUS_NAMES[status_id]

    def status_id(self, name: str) -> int:
        for sid, status in STATUS_NAMES.items():
            if status == name:
                return sid
        raise KeyError(f"no applicant status {name!r}")

    def add_comment(self, application_id: int, comment: str, kind: str = "comment") -> Record:
        with self.lock:
            if application_id not in self.applications:
                raise BambooError(404, f"no application {application_id}")
            record: Record = {"id": self.next_id(), "application_id": application_id, "type": kind,
                      "comment": comment, "created": stamp()}  # fmt: skip
            self.comments[record["id"]] = record
            return record

    def create_user(self, *, first_name: str, last_name: str, email: str,
                    employee: bool = True, status: str = "enabled") -> Record:  # fmt: skip
        with self.lock:
            uid = self.next_id()
            user: Record = {"id": uid, "employeeId": uid + 10_000 if employee else 0,
                    "firstName": first_name, "lastName": last_name, "email": email,
                    "status": status}  # fmt: skip
            self.users[uid] = user
            return user

    # --- reads, as the API answers them ----------------------------------------------

    def job_summaries(self, groups: set[str]) -> list[Record]:
        with self.lock:
            out = []
            for job in self.jobs.values():
                if not _in_groups(job["status"], groups):
                    continue
                mine = [a for a in self.applications.values() if a["job_id"] == job["id"]]
                counts = (sum(a["status_id"] == 1 for a in mine),
                          sum(a["status_id"] in ACTIVE for a in mine), len(mine))  # fmt: skip
                out.append(views.job_summary(job, self.leads.get(job["lead"]), counts))
            return out

    def application_page(self, filters: Mapping[str, Any], page: int) -> tuple[list[Record], bool]:
        """One page of applications (oldest first) and whether it is the last."""
        with self.lock:
            rows = [a for a in self.applications.values() if _matches(a, filters)]
            start = (page - 1) * self.page_size
            chunk = rows[start : start + self.page_size]
            items = [views.application_item(a, self.jobs[a["job_id"]]) for a in chunk]
            return items, start + self.page_size >= len(rows)

    def application_detail(self, application_id: int) -> Record:
        with self.lock:
            application = self.applications.get(application_id)
            if application is None:
                raise BambooError(404, "Application not found.")
            job = self.jobs[application["job_id"]]
            count = sum(c["application_id"] == application_id for c in self.comments.values())
            return views.application_detail(application, job, self.leads.get(job["lead"]), count)


def _in_groups(status: str, groups: set[str]) -> bool:
    if "ALL" in groups:
        return True
    if not groups:
        return status != "Deleted"
    return status in groups or ("DRAFT_AND_OPEN" in groups and status in ("Draft", "Open"))


def _matches(application: Record, filters: Mapping[str, Any]) -> bool:
    since = filters.get("newSince")
    if since is not None and not application["appliedDate"] > since:
        return False
    job_id = filters.get("jobId")
    if job_id is not None and application["job_id"] != job_id:
        return False
    statuses = filters.get("statusIds")
    return statuses is None or application["status_id"] in statuses
