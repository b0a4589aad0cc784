"""Workable's webhook subscriptions, and how a delivery is signed.

    POST /subscriptions {"target": "https://x/hook", "event": "candidate_moved",
                         "args": {"account_id": "acme", "job_shortcode": "", "stage_slug": ""}}

One subscription is one event at one target URL; ``args``, when given, needs all three
keys, and an empty ``job_shortcode`` or ``stage_slug`` means every job or stage. A
delivery is a POST of ``{"id", "event_type", "resource_type", "firing_date", "data"}``
(``data``: the candidate, as ``GET /candidates/:id`` shows it), signed with
``X-Workable-Signature``: the hex HMAC-SHA256 of the raw body keyed with the account
token that made the subscription. Only HTTP 200 counts as delivered.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulators.kit.webhooks import Delivery
from simulators.workable import records
from simulators.workable.errors import Unprocessable

EVENTS = ("candidate_created", "candidate_moved", "candidate_deleted")
ARGS = ("account_id", "job_shortcode", "stage_slug")


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def headers(delivery: Delivery) -> dict[str, str]:
    return {"X-Workable-Signature": sign(delivery.secret, delivery.body)}


def encode(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


@dataclass
class Subscription:
    target: str
    event: str
    token: str
    job_shortcode: str = ""
    stage_slug: str = ""
    id: int = 0
    created_at: str = ""

    @classmethod
    def parse(cls, body: Mapping[str, Any], token: str, subdomain: str) -> Subscription:
        target, event, args = body.get("target"), body.get("event"), body.get("args")
        if not isinstance(target, str) or not target.startswith(("http://", "https://")):
            raise Unprocessable("target must be a URL")
        if event not in EVENTS:
            raise Unprocessable(f"event must be one of {list(EVENTS)}")
        if args is None:
            return cls(target, event, token, created_at=records.stamp())
        if not isinstance(args, dict) or any(not isinstance(args.get(k), str) for k in ARGS):
            raise Unprocessable(f"args needs {', '.join(ARGS)}")
        if args["account_id"] != subdomain:
            raise Unprocessable(f"unknown account_id {args['account_id']!r}")
        return cls(target, event, token, args["job_shortcode"], args["stage_slug"],
                   created_at=records.stamp())  # fmt: skip

    def wants(self, event: str, candidate: Mapping[str, Any]) -> bool:
        if event != self.event:
            return False
        if self.job_shortcode and candidate["shortcode"] != self.job_shortcode:
            return False
        slug = records.STAGE_SLUGS.get(candidate["stage"])
        return not self.stage_slug or slug == self.stage_slug

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "target": self.target, "event": self.event,
                "created_at": self.created_at, "job_shortcode": self.job_shortcode or None,
                "stage_slug": self.stage_slug or None}  # fmt: skip
