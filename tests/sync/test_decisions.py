"""Decisions, one table: what a mapped record becomes, given its link (the real
Greenhouse spec's flows). No I/O: a skip is a Step, a write is a Change."""

from __future__ import annotations

from typing import Any

import pytest

from engine.dsl.loader import load_ats, load_suite
from engine.dsl.spec import AtsSpec
from engine.paths import MAPPINGS_DIR
from engine.store.links import Link, fingerprint
from engine.sync import Change, Step, decide, decide_delete

JOB = {"name": "Engineer", "description": "Team", "reference": "R-7", "external_id": "12"}
ADVANCE = {"action:advance": fingerprint({})}


@pytest.fixture(scope="module")
def spec() -> AtsSpec:
    return load_ats(MAPPINGS_DIR / "ats" / "greenhouse.yaml", load_suite())


def link(status: str = "active", suite: dict[str, Any] | None = None, ats: Any = None) -> Link:
    return Link(1, "job", "12", "prj_1", True, None, suite, ats, status)


CASES = [
    # flow, payload, link, expected: (kind or "skip", values or detail)
    ("jobs_to_projects", JOB, None, ("create", JOB)),
    ("jobs_to_projects", JOB, link(suite=JOB), ("skip", "unchanged")),
    ("jobs_to_projects", {**JOB, "name": "Staff"}, link(suite=JOB), ("update", {"name": "Staff"})),
    # the description belongs to the suite: a change of it at the ATS is not written
    ("jobs_to_projects", {**JOB, "description": "New"}, link(suite=JOB), ("skip", "unchanged")),
    # archived and matching again (a job reopened): restored, its owned fields sent
    (
        "jobs_to_projects",
        JOB,
        link("archived", suite=JOB),
        (
            "update",
            {"name": "Engineer", "reference": "R-7", "external_id": "12", "status": "active"},
        ),
    ),
    ("completed_interviews_advance", {}, None, ("skip", "no linked application to advance")),
    ("completed_interviews_advance", {}, link(ats=ADVANCE), ("skip", "advance already done")),
    ("completed_interviews_advance", {}, link(ats={}), ("action", {})),
]


@pytest.mark.parametrize(("flow", "payload", "linked", "expected"), CASES)
def test_decide(
    spec: AtsSpec,
    flow: str,
    payload: dict[str, Any],
    linked: Link | None,
    expected: tuple[str, Any],
) -> None:
    decision = decide(flow, spec.sync[flow], 12, payload, linked)
    kind, what = expected
    if kind == "skip":
        assert isinstance(decision, Step)
        assert (decision.action, decision.detail) == ("skip", what)
    else:
        assert isinstance(decision, Change)
        assert (decision.kind, decision.values) == (kind, what)


def test_an_action_remembers_its_payload_so_it_runs_once(spec: AtsSpec) -> None:
    decision = decide("completed_interviews_advance", spec.sync["completed_interviews_advance"],
                      12, {}, link(ats={}))  # fmt: skip
    assert isinstance(decision, Change)
    assert decision.remember == ADVANCE
    assert decision.step() == Step("action", "completed_interviews_advance", "12", "12", "advance")


@pytest.mark.parametrize(
    ("flow", "status", "expected"),
    [
        ("jobs_to_projects", "active", ("archive", {"status": "archived"})),
        ("jobs_to_projects", "archived", ("skip", "delete policy archive")),
        ("applications_to_invitations", "active", ("delete", {})),
    ],
)
def test_decide_delete(spec: AtsSpec, flow: str, status: str, expected: tuple[str, Any]) -> None:
    decision = decide_delete(flow, spec.sync[flow], link(status))
    kind, what = expected
    if kind == "skip":
        assert isinstance(decision, Step) and decision.detail == what
        assert (decision.source_id, decision.target_id) == ("12", "prj_1")
    else:
        assert isinstance(decision, Change) and (decision.kind, decision.values) == expected
        assert decision.step().target_id == "prj_1"
        assert decision.status == ("archived" if kind == "archive" else None)
