"""Lever's webhooks: one per event type, each with its own URL and signature token, and
how a delivery is signed.

    {"triggeredAt": 1508608565519, "event": "candidateStageChange",
     "token": "<random hex, new for every request>",
     "signature": "<hex HMAC-SHA256 of token + triggeredAt, keyed with the signature token>",
     "data": {"opportunityId": "...", "fromStageId": "...", "toStageId": "..."}}

The signature covers ``token`` and ``triggeredAt`` only: ``data`` is not signed, so a
receiver fetches the opportunity by id before trusting anything in it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulators.lever import records

EVENTS = ("applicationCreated", "candidateStageChange", "candidateArchiveChange",
          "candidateHired", "candidateDeleted")  # fmt: skip


def sign(signature_token: str, token: str, triggered_at: int) -> str:
    signed = f"{token}{triggered_at}".encode()
    return hmac.new(signature_token.encode(), signed, hashlib.sha256).hexdigest()


def envelope(event: str, data: Mapping[str, Any], signature_token: str) -> bytes:
    """The JSON of one delivery, signed now."""
    token, triggered_at = secrets.token_hex(24), records.now_ms()
    body = {"triggeredAt": triggered_at, "event": event, "token": token,
            "signature": sign(signature_token, token, triggered_at), "data": dict(data)}  # fmt: skip
    return json.dumps(body, separators=(",", ":")).encode()


@dataclass
class Webhook:
    """A webhook of Settings > Integrations and API > Webhooks: one event, one URL."""

    id: str
    event: str
    url: str
    signature_token: str
    enabled: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "event": self.event, "url": self.url, "enabled": self.enabled}
