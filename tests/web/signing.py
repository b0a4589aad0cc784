"""Signature test kit: verifiers built from real specs, and the vendors' request shape.

    check = verifier(hmac_block(header="X-Sig"), "k3y")  # through lint, as a spec writes it
    check.verify(body, {"X-Sig": hexd(mac("k3y", body))}, now=NOW)

Every verifier is built from a ``signature:`` block that goes through lint into a real
spec, so the blocks in the tests are the YAML a spec author writes.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from engine.dsl import model
from engine.dsl.lint import lint_text
from engine.dsl.spec import AtsSpec
from engine.web.signatures import Verifier, make_verifier

NOW = 1_717_171_717
SECRET = "{{ secrets.webhook_secret }}"


@functools.cache
def _compile(block: str) -> model.Signature:
    document = {
        "kind": "ats",
        "name": "hooks",
        "title": "Hooks",
        "setups": ["ideal"],
        "secrets": {"webhook_secret": {"description": "webhook signing secret"}},
        "connection": {"base_url": "https://ats.example.com", "auth": {"type": "none"}},
        "resources": {"job": {"endpoints": {"list": {"path": "/jobs"}}}},
        "sync": {"jobs": {"direction": "to_suite", "source": "job", "target": "project"}},
        "webhooks": [
            {
                "route": "hooks",
                "signature": json.loads(block),
                "event_id": "body.id",
                "event_type": "body.action",
                "events": [{"event": "job_created", "resource": "job"}],
            }
        ],
    }
    result = lint_text("hooks.yaml", yaml.safe_dump(document, sort_keys=False))
    assert result.errors == [], result.errors
    assert isinstance(result.spec, AtsSpec)
    return result.spec.webhooks[0].signature


def verifier(block: dict[str, Any], secret: str) -> Verifier:
    """The verifier for a ``signature:`` block, compiled through a validated spec."""
    return make_verifier(_compile(json.dumps(block, sort_keys=True)), secret)


@dataclass(frozen=True)
class Request:
    body: bytes
    headers: dict[str, str]


def mac(key: bytes | str, message: bytes) -> bytes:
    return hmac.new(key.encode() if isinstance(key, str) else key, message, hashlib.sha256).digest()


def hexd(digest: bytes) -> str:
    return digest.hex()


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def b64hex(digest: bytes) -> str:
    return base64.b64encode(digest.hex().encode()).decode()


def dump(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


Signer = Callable[..., Request]


@dataclass(frozen=True)
class Scheme:
    name: str
    block: dict[str, Any]  # the spec's `signature:` block
    secret: str  # the rendered secret
    sign: Signer  # sign(key, ts, encode, prefix, drop) -> a request as the vendor sends it
    encode: Callable[[bytes], str]
    wrong_encoding: Callable[[bytes], str]
    prefix: str
    signed_text: bytes  # bytes of the body that the signature covers
    signature_at: str  # the header, or `body:` field, holding the signature
    timestamp_at: str | None = None  # where a signed timestamp is, if any
    stale_checked: bool = False
    extra_missing: tuple[str, ...] = field(default=())

    def valid(self, **kwargs: Any) -> Request:
        args: dict[str, Any] = {
            "key": self.secret,
            "ts": NOW,
            "encode": self.encode,
            "prefix": self.prefix,
            "drop": None,
        }
        return self.sign(**{**args, **kwargs})


def headers_less(drop: str | None, **headers: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != drop}


def hmac_block(**block: Any) -> dict[str, Any]:
    return {"type": "hmac", **block, "secret": SECRET}
