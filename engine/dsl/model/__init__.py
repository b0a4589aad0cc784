"""The runtime objects a spec compiles into: frozen, typed, and named like the schema.

Every class mirrors one ``$defs`` entry of ``schemas/*.schema.json`` (``SCHEMA_DEF``),
field for field; ``tests/dsl/test_drift.py`` keeps the two in step. A key that is a
Python keyword (``in``) is a field with a trailing underscore and ``key`` metadata.
Template fields say which variables they may read (``vars`` metadata); lint reports
any other.

One module per part of a spec, each strategy family (auth, pagination, signature) in
its own; every name is importable from here::

    from engine.dsl.model import Auth, Connection, HmacSignature, Resource
"""

from engine.dsl.model.auth import (
    ApiKeyAuth,
    Auth,
    BasicAuth,
    BearerAuth,
    NoAuth,
    OAuth2AuthorizationCode,
    OAuth2ClientCredentials,
    Saml2Bearer,
    TokenHeaderAuth,
)
from engine.dsl.model.connection import (
    Connection,
    RateLimit,
    Retry,
    SecretDecl,
    Timeouts,
)
from engine.dsl.model.fields import (
    CONNECTION_VARS,
    DEEP_LINK_VARS,
    EMBED_VARS,
    EMPTY,
    ENDPOINT_VARS,
    INCREMENTAL_VARS,
    NO_DEFAULT,
    SIGNED_VARS,
    NoDefault,
    empty,
    key,
    variables,
)
from engine.dsl.model.pagination import (
    CursorPagination,
    LinkHeaderPagination,
    NextUrlPagination,
    NoPagination,
    OffsetPagination,
    PageNumberPagination,
    PageSize,
    Pagination,
)
from engine.dsl.model.resources import (
    Endpoint,
    Endpoints,
    Incremental,
    Lookup,
    Resource,
)
from engine.dsl.model.signatures import (
    HmacSignature,
    NoSignature,
    SharedSecretSignature,
    Signature,
    StandardWebhooksSignature,
)
from engine.dsl.model.webhooks import (
    POLL_ROUTE,
    Handshake,
    Webhook,
    WebhookEvent,
)

__all__ = [
    "CONNECTION_VARS",
    "DEEP_LINK_VARS",
    "EMBED_VARS",
    "EMPTY",
    "ENDPOINT_VARS",
    "INCREMENTAL_VARS",
    "NO_DEFAULT",
    "POLL_ROUTE",
    "SIGNED_VARS",
    "ApiKeyAuth",
    "Auth",
    "BasicAuth",
    "BearerAuth",
    "Connection",
    "CursorPagination",
    "Endpoint",
    "Endpoints",
    "Handshake",
    "HmacSignature",
    "Incremental",
    "LinkHeaderPagination",
    "Lookup",
    "NextUrlPagination",
    "NoAuth",
    "NoDefault",
    "NoPagination",
    "NoSignature",
    "OAuth2AuthorizationCode",
    "OAuth2ClientCredentials",
    "OffsetPagination",
    "PageNumberPagination",
    "PageSize",
    "Pagination",
    "RateLimit",
    "Resource",
    "Retry",
    "Saml2Bearer",
    "SecretDecl",
    "SharedSecretSignature",
    "Signature",
    "StandardWebhooksSignature",
    "Timeouts",
    "TokenHeaderAuth",
    "Webhook",
    "WebhookEvent",
    "empty",
    "key",
    "variables",
]
