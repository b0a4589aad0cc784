"""Webhook signature verifiers, one small class per ``type``, registered in ``VERIFIERS``.

A verifier checks one request: the raw body bytes exactly as received and its headers
(any mapping; names are matched case-insensitively). It returns nothing, or raises
``SignatureError`` with a short reason that never holds the secret or a signature.

Greenhouse signs the raw body with HMAC-SHA256 and the secret key typed in when the
webhook was created. With the key ``my-secret-key`` it sends::

    POST /hooks/acme/greenhouse
    Signature: sha256 00c6bf33a55dc3a8a4ceee006cad0184f77bbb23e42f2dfaa6e9ef1ed61b1b5b

    {"action":"ping","payload":{"web_hook_id":1}}

and this ``signature:`` block (from ``mappings/ats/greenhouse.yaml``) verifies it::

    signature:
      type: hmac
      header: Signature
      algorithm: sha256
      encoding: hex
      prefix: "sha256 "
      secret: "{{ secrets.webhook_secret }}"

The caller renders ``secret`` with the tenant's secrets, then::

    verifier = make_verifier(hook.signature, secret)
    verifier.verify(body, request.headers)  # raises SignatureError
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping
from typing import Any, ClassVar

import jinja2
import jmespath

from engine.dsl import model
from engine.errors import ConnectorError


class SignatureError(ConnectorError):
    """A webhook request whose signature does not check out."""


class Verifier:
    type: ClassVar[str]

    def __init__(self, spec: Any, secret: str) -> None:
        self.spec = spec
        self.secret = secret

    def verify(self, body: bytes, headers: Mapping[str, str], *, now: float | None = None) -> None:
        raise NotImplementedError


VERIFIERS: dict[str, type[Verifier]] = {}


def register(cls: type[Verifier]) -> type[Verifier]:
    VERIFIERS[cls.type] = cls
    return cls


def make_verifier(spec: model.Signature, secret: str) -> Verifier:
    return VERIFIERS[spec.type](spec, secret)


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: `[[[[…` nested past the stack
        return {}


def unix_time(value: str) -> float:
    """Seconds from an integer timestamp in seconds (or milliseconds, above 10^12)."""
    if not re.fullmatch(r"[0-9]{1,20}", value := value.strip()):
        raise SignatureError("timestamp is not an integer")
    sent = int(value)
    return sent / 1000 if sent > 10**12 else float(sent)


def _timestamp(value: str, tolerance: float, now: float | None) -> None:
    """A timestamp no further than ``tolerance`` from now."""
    if abs((time.time() if now is None else now) - unix_time(value)) > tolerance:
        raise SignatureError(f"timestamp outside the {tolerance:g}s tolerance")


def decode(text: str, encoding: str) -> bytes:
    """The bytes ``text`` writes in ``encoding``; empty when it is not valid in it."""
    text = text.strip()
    try:
        if encoding == "hex":
            return bytes.fromhex(text) if re.fullmatch(r"[0-9a-fA-F]*", text) else b""
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return b""


@register
class HmacVerifier(Verifier):
    """An HMAC of the body (or of a ``signed`` template) in a header or a body field.

    ``Ashby-Signature: sha256=<hex>``::

        {type: hmac, header: Ashby-Signature, prefix: "sha256=", secret: "{{ secrets.s }}"}

    ``header: "body:signature"`` reads the signature from the JSON body (Lever). A
    header may hold a list separated by ``,`` or ``;`` (several keys, Stripe's
    ``t=…,v1=…``): entries without ``prefix`` are skipped, any other may match. For
    ``encoding: base64`` the text may also be base64 of the lower-case hex digest
    (Teamtailor). ``timestamp_header`` may be ``body:<JMESPath>`` as well, or
    ``entry:<name>`` for the ``<name>=`` entry of the signature's list::

        {type: hmac, header: Stripe-Signature, prefix: "v1=", timestamp_header: "entry:t",
         signed: "{{ timestamp }}.{{ body }}", secret: "{{ secrets.s }}"}

    ``header_encoding: base64`` decodes the whole value first, for a list sent as base64
    (``base64("t=1717171717,v2=<hex>")``).
    """

    type = "hmac"
    spec: model.HmacSignature

    def __init__(self, spec: Any, secret: str) -> None:
        super().__init__(spec, secret)
        self._raw = spec.signed.source == "{{ body }}"
        names = [n for n in (spec.header, spec.timestamp_header or "") if n.startswith("body:")]
        try:
            self._paths = {name: jmespath.compile(name[5:]) for name in names}
        except jmespath.exceptions.JMESPathError:
            raise SignatureError(f"invalid JMESPath in {names}") from None
        if "timestamp" in spec.signed.variables and not spec.timestamp_header:
            raise SignatureError("the signed template reads timestamp but no timestamp_header")
        if spec.timestamp_header == "entry:":
            raise SignatureError("timestamp_header entry: names no entry")

    def _read(self, name: str, headers: dict[str, str], data: Any) -> str | None:
        if not name.startswith("body:"):
            return headers.get(name.lower())
        found = self._paths[name].search(data)
        return None if found is None or isinstance(found, dict | list) else str(found)

    def _entries(self, value: str) -> list[str]:
        """The entries of the signature's value, unwrapped first when it is base64."""
        if self.spec.header_encoding == "base64":
            raw = decode(value, "base64")
            try:
                value = raw.decode("ascii")
            except UnicodeDecodeError:
                value = ""
            if not value:
                raise SignatureError(f"{self.spec.header!r} is not base64 of a signature")
        return [entry.strip() for entry in re.split(r"[,;]", value)]

    def _sent_at(self, headers: dict[str, str], data: Any, entries: list[str]) -> str | None:
        """The send time from a header, the body or an entry of the signature."""
        name = str(self.spec.timestamp_header)
        if not name.startswith("entry:"):
            return self._read(name, headers, data)
        key = name.removeprefix("entry:") + "="
        found = [entry.removeprefix(key) for entry in entries if entry.startswith(key)]
        return found[0] if len(found) == 1 else None  # two send times name none

    def verify(self, body: bytes, headers: Mapping[str, str], *, now: float | None = None) -> None:
        spec, lower = self.spec, _lower(headers)
        data = _parse(body) if self._paths or not self._raw else {}
        value = self._read(spec.header, lower, data)
        if not value:
            raise SignatureError(f"missing signature {spec.header!r}")
        entries = self._entries(value)
        timestamp = None
        if spec.timestamp_header:
            timestamp = self._sent_at(lower, data, entries)
            if timestamp is None:
                raise SignatureError(f"missing timestamp {spec.timestamp_header!r}")
            _timestamp(timestamp, float(spec.tolerance), now)
        candidates = [e.removeprefix(spec.prefix) for e in entries if e.startswith(spec.prefix)]
        if not candidates:
            raise SignatureError(f"signature does not start with {spec.prefix!r}")
        content = self._content(body, lower, data, timestamp)
        mac = hmac.new(self.secret.encode(), content, spec.algorithm)
        digest, hex_digest = mac.digest(), mac.hexdigest().encode()
        ok = False
        for candidate in candidates:  # no early exit: each candidate costs the same
            given = decode(candidate, spec.encoding)
            ok |= hmac.compare_digest(given, digest)
            if spec.encoding == "base64":
                ok |= hmac.compare_digest(given.lower(), hex_digest)
        if not ok:
            raise SignatureError("signature does not match")

    def _content(self, body: bytes, headers: dict[str, str], data: Any, ts: str | None) -> bytes:
        if self._raw:
            return body
        text = body.decode("utf-8", "surrogateescape")  # re-encodes to the same bytes
        context: dict[str, Any] = {"body": text, "headers": headers, "json": data}
        if ts is not None:
            context["timestamp"] = ts
        try:
            rendered = self.spec.signed.render(**context)
        except (jinja2.TemplateError, TypeError, ValueError) as exc:
            raise SignatureError(f"cannot build the signed content: {exc}") from None
        return rendered.encode("utf-8", "surrogateescape")


@register
class StandardWebhooksVerifier(Verifier):
    """Standard Webhooks (standardwebhooks.com): ``webhook-id``, ``webhook-timestamp`` and
    ``webhook-signature: v1,<base64> v1,<base64>`` (several during a key rotation), an
    HMAC-SHA256 of ``{id}.{timestamp}.{body}`` keyed with the base64 after ``whsec_``::

        {type: standard_webhooks, secret: "{{ secrets.webhook_secret }}", tolerance: 5m}
    """

    type = "standard_webhooks"
    spec: model.StandardWebhooksSignature
    names = ("webhook-id", "webhook-timestamp", "webhook-signature")

    def __init__(self, spec: Any, secret: str) -> None:
        super().__init__(spec, secret)
        key = decode(secret.strip().removeprefix("whsec_"), "base64")
        if not key:
            raise SignatureError("the standard_webhooks secret is not whsec_ and base64")
        self._key = key

    def verify(self, body: bytes, headers: Mapping[str, str], *, now: float | None = None) -> None:
        lower = _lower(headers)
        missing = [name for name in self.names if not lower.get(name)]
        if missing:
            raise SignatureError(f"missing header {', '.join(missing)}")
        msg_id, timestamp, signatures = (lower[name] for name in self.names)
        _timestamp(timestamp, float(self.spec.tolerance), now)
        signed = f"{msg_id}.{timestamp}.".encode() + body
        digest = hmac.new(self._key, signed, hashlib.sha256).digest()
        ok = False
        for entry in signatures.split():
            version, _, text = entry.partition(",")
            given = decode(text, "base64") if version == "v1" else b""
            ok |= hmac.compare_digest(given, digest)
        if not ok:
            raise SignatureError("no v1 signature matches")


@register
class SharedSecretVerifier(Verifier):
    """The secret itself in a header, compared in constant time.

    ``X-Webhook-Token: <secret>`` is checked by::

        {type: shared_secret, header: X-Webhook-Token, secret: "{{ secrets.webhook_token }}"}
    """

    type = "shared_secret"
    spec: model.SharedSecretSignature

    def verify(self, body: bytes, headers: Mapping[str, str], *, now: float | None = None) -> None:
        value = _lower(headers).get(self.spec.header.lower())
        if value is None:
            raise SignatureError(f"missing header {self.spec.header!r}")
        if not hmac.compare_digest(value.encode(), self.secret.encode()):
            raise SignatureError(f"wrong value in {self.spec.header!r}")


@register
class NoVerifier(Verifier):
    """Accepts every request (lint warns about it): ``{type: none}``."""

    type = "none"

    def verify(self, body: bytes, headers: Mapping[str, str], *, now: float | None = None) -> None:
        return None
