"""The assessment-partner desk: what the ATS's partner calls do in the suite.

    desk = PartnerDesk(tenant, engine, results_url=lambda interview_id: "https://…")
    tests = await desk.list_tests(suite)                  # the suite records offered as tests
    interview = await desk.invite(suite, {"test_id": "prj_1", "first_name": "Ada", …})
    interview = await desk.status(suite, "inv_9")         # None: not one of this tenant's

An order becomes a suite invitation of the candidate (found by email, or made) to the
test's project, linked in the equivalence table as entity ``partner_interview``: the
ATS side's id is the order's key (test and email, unless the ATS names one), the suite
side's the invitation, and the link keeps the callback URL the ATS gave. The same order
again finds its link and answers the same interview; concurrent ones wait for each other.

The interview, as routes' ``response`` and the callback's ``when`` and ``body`` see it::

    {"interview_id": "inv_9", "status": "completed", "completed": true, "test_id": "prj_1",
     "candidate_id": "cnd_3", "score": 4.5, "score_percent": 90, "ratings": [...],
     "results_url": "https://connector.example.com/partner/acme/{ats}/results/inv_9?token=…"}
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Engine

from engine.client.api import ApiClient
from engine.dsl.mapping import truthy
from engine.errors import ConnectorError
from engine.store.links import LinkConflict, LinkStore
from engine.tenants import TenantRuntime

ENTITY = "partner_interview"
REQUIRED = ("test_id", "first_name", "last_name", "email")
_LOCKS: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = weakref.WeakValueDictionary()


class OrderError(ConnectorError):
    """An order the desk cannot take: the ATS is told why (422)."""


def order_key(fields: Mapping[str, Any]) -> str:
    """The order's identity: the ATS's own key, else the test and the email."""
    given = fields.get("order_key")
    if given not in (None, ""):
        return str(given)
    return f"{fields['test_id']}:{str(fields['email']).strip().lower()}"


class PartnerDesk:
    def __init__(
        self, tenant: TenantRuntime, engine: Engine, *, results_url: Callable[[str], str]
    ) -> None:
        if tenant.ats.partner is None:
            raise ConnectorError(f"{tenant.ats.name} has no partner section", tenant=tenant.id)
        self.tenant = tenant
        self.partner = tenant.ats.partner
        self.links = LinkStore(engine, tenant.id)
        self.results_url = results_url

    async def list_tests(self, suite: ApiClient) -> list[dict[str, Any]]:
        tests = self.partner.tests
        records = [r async for r in suite.list(tests.resource)]
        return [r for r in records if tests.when is None or truthy(tests.when.search(r))]

    async def invite(self, suite: ApiClient, fields: Mapping[str, Any]) -> dict[str, Any]:
        missing = [name for name in REQUIRED if fields.get(name) in (None, "")]
        if missing:
            raise OrderError(f"the order names no {', '.join(missing)}", tenant=self.tenant.id)
        key = order_key(fields)
        lock = _LOCKS.get((self.tenant.id, key))
        if lock is None:
            lock = _LOCKS[(self.tenant.id, key)] = asyncio.Lock()
        async with lock:  # the same order twice at once: one invitation
            link = self.links.lookup(ENTITY, "ats", [key]).get(key)
            if link is None:
                invitation = await self._new_invitation(suite, fields, key)
                payload = {"callback_url": fields.get("callback_url"), "test_id": fields["test_id"]}
                try:
                    self.links.add(ENTITY, key, invitation["id"], written="ats", payload=payload)
                except LinkConflict:  # another worker's order won: its interview is the answer
                    link = self.links.lookup(ENTITY, "ats", [key])[key]
                else:
                    if invitation.get("status") == "invited":  # new: nothing rated to read
                        url = self.results_url(str(invitation["id"]))
                        return interview_view(invitation, [], url)
                    link = self.links.lookup(ENTITY, "ats", [key])[key]
        return await self.interview(suite, link.suite_id)

    async def _new_invitation(
        self, suite: ApiClient, fields: Mapping[str, Any], key: str
    ) -> dict[str, Any]:
        test = await suite.get(self.partner.tests.resource, fields["test_id"])
        if test is None:
            raise OrderError(f"no test {fields['test_id']!r}", tenant=self.tenant.id)
        email = str(fields["email"]).strip()
        found = [c async for c in suite.list("candidate", params={"email": email})]
        candidate = found[0] if found else await suite.create("candidate", {
            "first_name": fields["first_name"], "last_name": fields["last_name"], "email": email,
            **({"phone": fields["phone"]} if fields.get("phone") else {}),
        })  # fmt: skip
        # an invitation an earlier order made before its link was written is adopted
        earlier = [i async for i in suite.list("invitation", params={"external_id": key})]
        if earlier:
            return earlier[0]
        return await suite.create("invitation", {
            "project_id": test["id"], "candidate_id": candidate["id"], "external_id": key,
        })  # fmt: skip

    async def status(self, suite: ApiClient, interview_id: Any) -> dict[str, Any] | None:
        """The interview; None when it is not an order of this tenant's."""
        if interview_id in (None, ""):
            return None
        link = self.links.lookup(ENTITY, "suite", [interview_id]).get(str(interview_id))
        return None if link is None else await self.interview(suite, link.suite_id)

    async def interview(self, suite: ApiClient, invitation_id: str) -> dict[str, Any]:
        invitation = await suite.get("invitation", invitation_id)
        if invitation is None:
            raise OrderError(f"interview {invitation_id!r} is gone", tenant=self.tenant.id)
        params = {"invitation_id": invitation_id}
        ratings = [r async for r in suite.list("rating", params=params)]
        return interview_view(invitation, ratings, self.results_url(invitation_id))

    def callback_url(self, invitation_id: str) -> str | None:
        link = self.links.lookup(ENTITY, "suite", [invitation_id]).get(str(invitation_id))
        url = (link.ats_payload or {}).get("callback_url") if link else None
        return str(url) if url else None


def interview_view(
    invitation: Mapping[str, Any], ratings: list[dict[str, Any]], results_url: str
) -> dict[str, Any]:
    scores = [r["score"] for r in ratings if isinstance(r.get("score"), int | float)]
    mean = round(sum(scores) / len(scores), 2) if scores else None
    return {
        "interview_id": str(invitation["id"]),
        "status": invitation.get("status"),
        "completed": invitation.get("status") == "completed",
        "test_id": invitation.get("project_id"),
        "candidate_id": invitation.get("candidate_id"),
        "score": mean,
        "score_percent": None if mean is None else round(mean * 20),
        "ratings": ratings,
        "results_url": results_url,
    }
