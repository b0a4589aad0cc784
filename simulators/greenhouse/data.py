"""The Greenhouse simulator's records: id-ordered kit tables, their indexes and lookups.

    data = Data(seed=7)
    job = data.jobs.create({...})         # ids count up from 4_000_001; stamps in ms
    data.job_stages(job["id"])            # in sort order
    data.has_application(candidate_id, job_id)

Ids of each resource lie in their own range, so that an id of one resource used as
another's is a 404, not a silent hit. Stamps rise strictly, so `updated_at` never ties.
"""

from __future__ import annotations

import math
import random
import time
from typing import Any

from simulators.greenhouse.errors import SimError, not_found
from simulators.greenhouse.payloads import application_payload
from simulators.greenhouse.seed import NameMaker
from simulators.greenhouse.times import iso_ms
from simulators.kit.table import Record, Table

FIRST_IDS = {
    "users": 100_001,
    "jobs": 4_000_001,
    "job_interview_stages": 7_000_001,
    "candidates": 20_000_001,
    "applications": 50_000_001,
    "notes": 90_000_001,
}


class Data:
    def __init__(self, *, seed: int = 0) -> None:
        self.seed = seed
        self.tables = {name: Table(name, new_id=self._counter(name), stamp=self.stamp)
                       for name in FIRST_IDS}  # fmt: skip
        self.users = self.tables["users"]
        self.jobs = self.tables["jobs"]
        self.stages = self.tables["job_interview_stages"]
        self.candidates = self.tables["candidates"]
        self.applications = self.tables["applications"]
        self.notes = self.tables["notes"]
        self.clear()

    def clear(self) -> None:
        for table in self.tables.values():
            table.clear()
        self.next_ids = dict(FIRST_IDS)
        self.stages_by_job: dict[int, list[int]] = {}  # in sort_order
        self.apps_by_job: dict[int, set[int]] = {}
        self.apps_by_candidate: dict[int, set[int]] = {}
        self.rng = random.Random(self.seed)
        self.names = NameMaker(self.rng)
        self._last_ms = 0

    def _counter(self, resource: str) -> Any:
        def new_id() -> int:
            rid = self.next_ids[resource]
            self.next_ids[resource] = rid + 1
            return rid

        return new_id

    def stamp(self) -> str:
        """Now, strictly after every earlier stamp (so updated_at never ties)."""
        ms = max(math.floor(time.time() * 1000), self._last_ms + 1)
        self._last_ms = ms
        return iso_ms(ms)

    def get(self, table: Table, rid: int, what: str) -> Record:
        record = table.get(rid)
        if record is None:
            raise not_found(what, rid)
        return record

    def job_stages(self, job_id: int) -> list[Record]:
        return [self.stages[sid] for sid in self.stages_by_job.get(job_id, ())]

    def stage_by_name(self, job_id: int, name: str) -> Record:
        for stage in self.job_stages(job_id):
            if stage["name"] == name:
                return stage
        raise SimError(422, f"job {job_id} has no stage named {name!r}", field="stage_name")

    def index_app(self, app: Record) -> None:
        self.apps_by_job.setdefault(app["job_id"], set()).add(app["id"])
        self.apps_by_candidate.setdefault(app["candidate_id"], set()).add(app["id"])

    def unindex_app(self, app: Record) -> None:
        self.apps_by_job.get(app["job_id"], set()).discard(app["id"])
        self.apps_by_candidate.get(app["candidate_id"], set()).discard(app["id"])

    def has_application(self, candidate_id: int, job_id: int) -> bool:
        return not self.apps_by_candidate.get(candidate_id, set()).isdisjoint(
            self.apps_by_job.get(job_id, set())
        )

    def app_payload(self, app: Record) -> dict[str, Any]:
        candidate = self.candidates[app["candidate_id"]]
        job = self.jobs.get(app["job_id"])
        return {"application": application_payload(app, candidate, job, self.users)}
