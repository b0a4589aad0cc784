"""The runtime objects a spec compiles into: frozen, typed, and named like the schema.

Every class mirrors one ``$defs`` entry of ``schemas/*.schema.json`` (``SCHEMA_DEF``),
field for field; ``tests/dsl/test_drift.py`` keeps the two in step. A key that is a
Python keyword (``in``) is a field with a trailing underscore and ``key`` metadata.
Template fields say which variables they may read (``vars`` metadata); lint reports
any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Literal

from engine.dsl.expressions import Duration, Expr, Template

EMPTY: Mapping[str, Any] = MappingProxyType({})

CONNECTION_VARS = frozenset({"secrets", "tenant"})
ENDPOINT_VARS = CONNECTION_VARS | {"id", "parent_id", "since", "params"}
INCREMENTAL_VARS = CONNECTION_VARS | {"since"}
SIGNED_VARS = frozenset({"body", "timestamp", "headers", "json"})
EMBED_VARS = frozenset({"suite_id", "ats_id", "tenant", "secrets"})
DEEP_LINK_VARS = frozenset({"suite_id", "ats_id", "public_url", "tenant"})


def key(name: str, default: Any = None) -> Any:
    """A field whose spec key is a Python keyword, such as ``in``."""
    return field(default=default, metadata={"key": name})


def variables(allowed: frozenset[str], default: Any = MISSING) -> Any:
    """A template field that may read only ``allowed`` variables."""
    if default is EMPTY:
        return field(default_factory=_empty, metadata={"vars": allowed})
    return field(default=default, metadata={"vars": allowed})


def _empty() -> Mapping[str, Any]:
    return EMPTY


def empty() -> Any:
    """The default of a mapping field: one shared, read-only empty mapping."""
    return field(default_factory=_empty)


class NoDefault:
    """The default of an enum map that has none: unmapped values fail the record."""

    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT = NoDefault()

# --- connection -------------------------------------------------------------------


@dataclass(frozen=True)
class SecretDecl:
    SCHEMA_DEF: ClassVar[str] = "common:secret_decl"
    description: str = ""
    required: bool = True


@dataclass(frozen=True)
class NoAuth:
    SCHEMA_DEF: ClassVar[str] = "common:auth_none"
    type: Literal["none"] = "none"


@dataclass(frozen=True)
class ApiKeyAuth:
    SCHEMA_DEF: ClassVar[str] = "common:auth_api_key"
    type: Literal["api_key"]
    name: str
    value: Template
    in_: Literal["header", "query"] = key("in", "header")


@dataclass(frozen=True)
class BasicAuth:
    SCHEMA_DEF: ClassVar[str] = "common:auth_basic"
    type: Literal["basic"]
    username: Template
    password: Template | None = None


@dataclass(frozen=True)
class BearerAuth:
    SCHEMA_DEF: ClassVar[str] = "common:auth_bearer"
    type: Literal["bearer"]
    token: Template


@dataclass(frozen=True)
class TokenHeaderAuth:
    SCHEMA_DEF: ClassVar[str] = "common:auth_token_header"
    type: Literal["token_header"]
    value: Template
    header: str = "Authorization"


@dataclass(frozen=True)
class OAuth2ClientCredentials:
    SCHEMA_DEF: ClassVar[str] = "common:auth_oauth2_client_credentials"
    type: Literal["oauth2_client_credentials"]
    token_url: Template
    client_id: Template
    client_secret: Template
    client_auth: Literal["basic", "body"] = "basic"
    scopes: tuple[str, ...] = ()
    audience: Template | None = None
    token_params: Mapping[str, Template] = empty()


@dataclass(frozen=True)
class OAuth2AuthorizationCode:
    SCHEMA_DEF: ClassVar[str] = "common:auth_oauth2_authorization_code"
    type: Literal["oauth2_authorization_code"]
    authorize_url: Template
    token_url: Template
    client_id: Template
    client_secret: Template | None = None
    client_auth: Literal["basic", "body"] = "basic"
    scopes: tuple[str, ...] = ()
    pkce: bool = True
    refresh_margin: Duration = Duration(60)
    token_params: Mapping[str, Template] = empty()


@dataclass(frozen=True)
class Saml2Bearer:
    SCHEMA_DEF: ClassVar[str] = "common:auth_saml2_bearer"
    type: Literal["saml2_bearer"]
    token_url: Template
    issuer: Template
    audience: Template
    subject: Template
    private_key: Template
    certificate: Template
    client_id: Template | None = None
    lifetime: Duration = Duration(300)
    scopes: tuple[str, ...] = ()


Auth = (
    NoAuth
    | ApiKeyAuth
    | BasicAuth
    | BearerAuth
    | TokenHeaderAuth
    | OAuth2ClientCredentials
    | OAuth2AuthorizationCode
    | Saml2Bearer
)


@dataclass(frozen=True)
class PageSize:
    SCHEMA_DEF: ClassVar[str] = "common:page_size"
    param: str
    value: int


@dataclass(frozen=True)
class NoPagination:
    SCHEMA_DEF: ClassVar[str] = "common:pagination_none"
    type: Literal["none"] = "none"


@dataclass(frozen=True)
class LinkHeaderPagination:
    SCHEMA_DEF: ClassVar[str] = "common:pagination_link_header"
    type: Literal["link_header"]
    rel: str = "next"
    page_size: PageSize | None = None
    max_pages: int = 10000


@dataclass(frozen=True)
class NextUrlPagination:
    SCHEMA_DEF: ClassVar[str] = "common:pagination_next_url"
    type: Literal["next_url"]
    next: Expr
    page_size: PageSize | None = None
    max_pages: int = 10000


@dataclass(frozen=True)
class OffsetPagination:
    SCHEMA_DEF: ClassVar[str] = "common:pagination_offset"
    type: Literal["offset"]
    limit: int
    offset_param: str = "offset"
    limit_param: str = "limit"
    has_more: Expr | None = None
    total: Expr | None = None
    max_pages: int = 10000


@dataclass(frozen=True)
class PageNumberPagination:
    SCHEMA_DEF: ClassVar[str] = "common:pagination_page_number"
    type: Literal["page_number"]
    param: str = "page"
    start: int = 1
    page_size: PageSize | None = None
    has_more: Expr | None = None
    total_pages: Expr | None = None
    max_pages: int = 10000


@dataclass(frozen=True)
class CursorPagination:
    SCHEMA_DEF: ClassVar[str] = "common:pagination_cursor"
    type: Literal["cursor"]
    cursor: Expr
    param: str
    in_: Literal["query", "body"] = key("in", "query")
    has_more: Expr | None = None
    page_size: PageSize | None = None
    max_pages: int = 10000


Pagination = (
    NoPagination
    | LinkHeaderPagination
    | NextUrlPagination
    | OffsetPagination
    | PageNumberPagination
    | CursorPagination
)


@dataclass(frozen=True)
class RateLimit:
    SCHEMA_DEF: ClassVar[str] = "common:rate_limit"
    max_concurrency: int = 4
    requests_per_second: float | None = None
    remaining_header: str | None = None
    reset_header: str | None = None
    reset_format: Literal["epoch_seconds", "seconds", "http_date"] = "seconds"


@dataclass(frozen=True)
class Retry:
    SCHEMA_DEF: ClassVar[str] = "common:retry"
    max_attempts: int = 5
    backoff: Duration = Duration(0.5)
    max_backoff: Duration = Duration(30)
    statuses: tuple[int, ...] = (408, 429, 500, 502, 503, 504)


@dataclass(frozen=True)
class Timeouts:
    SCHEMA_DEF: ClassVar[str] = "common:timeouts"
    connect: Duration = Duration(5)
    read: Duration = Duration(30)
    total: Duration = Duration(60)


@dataclass(frozen=True)
class Connection:
    SCHEMA_DEF: ClassVar[str] = "common:connection"
    base_url: Template
    auth: Auth
    pagination: Pagination = NoPagination()
    rate_limit: RateLimit = RateLimit()
    retry: Retry = Retry()
    timeouts: Timeouts = Timeouts()
    headers: Mapping[str, Template] = empty()


# --- resources --------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    SCHEMA_DEF: ClassVar[str] = "common:endpoint"
    path: Template = variables(ENDPOINT_VARS)
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] | None = None
    params: Mapping[str, Template] = variables(ENDPOINT_VARS, EMPTY)
    body: Expr | None = None
    records: Expr | None = None
    record: Expr | None = None
    pagination: Pagination | None = None


@dataclass(frozen=True)
class Endpoints:
    SCHEMA_DEF: ClassVar[str] = "common:endpoints"
    list: Endpoint | None = None
    get: Endpoint | None = None
    create: Endpoint | None = None
    update: Endpoint | None = None
    delete: Endpoint | None = None


@dataclass(frozen=True)
class Incremental:
    SCHEMA_DEF: ClassVar[str] = "common:incremental"
    param: str
    value: Template = variables(INCREMENTAL_VARS)
    format: Literal["iso8601", "epoch_ms", "epoch_seconds", "date"] = "iso8601"


@dataclass(frozen=True)
class Lookup:
    SCHEMA_DEF: ClassVar[str] = "common:lookup"
    param: str
    separator: str = ","
    max: int = 100


@dataclass(frozen=True)
class Resource:
    SCHEMA_DEF: ClassVar[str] = "common:resource"
    endpoints: Endpoints
    description: str = ""
    id: Expr = field(default_factory=lambda: Expr.compile("id"))
    updated: Expr | None = None
    parent: str | None = None
    actions: Mapping[str, Endpoint] = empty()
    incremental: Incremental | None = None
    lookup: Lookup | None = None


# --- webhooks ---------------------------------------------------------------------


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


@dataclass(frozen=True)
class Handshake:
    SCHEMA_DEF: ClassVar[str] = "common:handshake"
    when: Expr
    status: int = 200
    headers: Mapping[str, Expr] = empty()
    body: Expr | None = None


@dataclass(frozen=True)
class WebhookEvent:
    SCHEMA_DEF: ClassVar[str] = "common:webhook_event"
    event: str
    resource: str
    action: Literal["upsert", "delete"] = "upsert"
    id: Expr | None = None
    record: Expr | None = None
    flows: tuple[str, ...] = ()


@dataclass(frozen=True)
class Webhook:
    SCHEMA_DEF: ClassVar[str] = "common:webhook"
    route: str
    signature: Signature
    event_id: Expr
    event_type: Expr
    events: tuple[WebhookEvent, ...]
    max_body_bytes: int = 1048576
    handshake: Handshake | None = None
    register: Endpoint | None = None
