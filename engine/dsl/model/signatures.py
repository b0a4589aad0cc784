"""The ``signature`` schemes of a webhook, one dataclass per ``type``, and their union.

    signature:
      type: hmac
      header: Signature
      prefix: "sha256 "
      secret: "{{ secrets.webhook_secret }}"

builds ``HmacSignature(type="hmac", header="Signature", prefix="sha256 ", ...)``: the
hex SHA-256 HMAC of the body, after ``sha256 ``, in the ``Signature`` header. A header
of entries with the send time in one of them (``t=1717171717,v1=<hex>``) reads it with
``timestamp_header: "entry:t"``; ``header_encoding: base64`` unwraps a header that is
base64 of such a list before its entries are read.
The runtime verifier of each type is registered in ``engine.web.signatures.VERIFIERS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from engine.dsl.expressions import Duration, Template
from engine.dsl.model.fields import SIGNED_VARS, variables


@dataclass(frozen=True)
class HmacSignature:
    SCHEMA_DEF: ClassVar[str] = "common:signature_hmac"
    type: Literal["hmac"]
    header: str
    secret: Template
    algorithm: Literal["sha1", "sha256", "sha512"] = "sha256"
    encoding: Literal["hex", "base64"] = "hex"
    prefix: str = ""
    signed: Template = variables(SIGNED_VARS, Template.compile("{{ body }}"))
    timestamp_header: str | None = None
    tolerance: Duration = Duration(300)
    header_encoding: Literal["none", "base64"] = "none"


@dataclass(frozen=True)
class StandardWebhooksSignature:
    SCHEMA_DEF: ClassVar[str] = "common:signature_standard_webhooks"
    type: Literal["standard_webhooks"]
    secret: Template
    tolerance: Duration = Duration(300)


@dataclass(frozen=True)
class SharedSecretSignature:
    SCHEMA_DEF: ClassVar[str] = "common:signature_shared_secret"
    type: Literal["shared_secret"]
    header: str
    secret: Template


@dataclass(frozen=True)
class NoSignature:
    SCHEMA_DEF: ClassVar[str] = "common:signature_none"
    type: Literal["none"] = "none"


Signature = HmacSignature | StandardWebhooksSignature | SharedSecretSignature | NoSignature
