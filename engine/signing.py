"""Signed, expiring links: the tokens of widget, consent and partner-results URLs.

    tokens = EmbedTokens.from_secret(signing_key)
    token = tokens.issue("acme", "candidate_interview", "9001", ttl=600)
    tokens.check(token, "acme", "candidate_interview", "9001")   # or TokenError

A token names the tenant, the page and the record it opens, and when it expires, signed
with HMAC-SHA256 under a key derived from Connector's secret key; it lives here, below
the web pages and the worker alike, since both make links (a partner's results link
goes out in a callback the worker sends).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

DEFAULT_TTL = 600


class TokenError(Exception):
    """An embed token that is malformed, tampered with, expired, or for something else."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class EmbedTokens:
    """Sign and check embed tokens with a key derived from Connector's secret key."""

    key: bytes

    @classmethod
    def from_secret(cls, secret: bytes | str) -> EmbedTokens:
        raw = secret.encode() if isinstance(secret, str) else secret
        return cls(hmac.new(raw, b"connector embed tokens v1", hashlib.sha256).digest())

    def issue(
        self,
        tenant: str,
        widget: str,
        ats_id: str,
        *,
        ttl: int = DEFAULT_TTL,
        now: float | None = None,
    ) -> str:
        claims = {"t": tenant, "w": widget, "i": str(ats_id), "e": int((now or time.time()) + ttl)}
        body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
        return f"{body}.{_b64(self._sign(body))}"

    def check(
        self, token: str, tenant: str, widget: str, ats_id: str, *, now: float | None = None
    ) -> None:
        body, dot, signature = token.partition(".")
        if not dot or not body or not signature:
            raise TokenError("this link is not valid: its token is malformed")
        try:
            # the encoded forms are compared: decoding ignores a last character's spare
            # bits, so several spellings of one signature would otherwise all pass
            valid = hmac.compare_digest(signature.encode(), _b64(self._sign(body)).encode())
            claims = json.loads(_unb64(body)) if valid else None
        except (ValueError, TypeError):
            raise TokenError("this link is not valid: its token is malformed") from None
        if not valid or not isinstance(claims, dict):
            raise TokenError("this link is not valid: its token was altered")
        if claims.get("e", 0) < (now or time.time()):
            raise TokenError("this link has expired: open it again from the ATS")
        if (claims.get("t"), claims.get("w"), claims.get("i")) != (tenant, widget, str(ats_id)):
            raise TokenError("this link was made for another record or company", status=403)

    def _sign(self, body: str) -> bytes:
        return hmac.new(self.key, body.encode(), hashlib.sha256).digest()
