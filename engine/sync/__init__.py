"""The sync pipeline: ``SyncEngine`` runs flows page by page through ``pages`` (when,
echoes), ``refs``, ``mapping``, ``decisions`` and a writer (live or plan).

    from engine.sync import PlanWriter, SyncEngine
    summary = await SyncEngine(tenant, engine, writer=PlanWriter).run(["jobs_to_projects"])
"""

from engine.sync.decisions import Change, decide, decide_delete
from engine.sync.engine import SyncEngine
from engine.sync.steps import Step, Summary, collecting
from engine.sync.writers import LiveWriter, PlanWriter, Writer

__all__ = [
    "Change",
    "LiveWriter",
    "PlanWriter",
    "Step",
    "Summary",
    "SyncEngine",
    "Writer",
    "collecting",
    "decide",
    "decide_delete",
]
