"""The three documents Connector reads: an ATS spec, the suite spec, and connector.yaml."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from engine.dsl.expressions import Duration, Expr, Template
from engine.dsl.model import (
    DEEP_LINK_VARS,
    EMBED_VARS,
    EMPTY,
    NO_DEFAULT,
    Auth,
    Connection,
    Resource,
    SecretDecl,
    Webhook,
    empty,
    variables,
)

Side = Literal["ats", "suite"]


@dataclass(frozen=True)
class EnumMap:
    SCHEMA_DEF: ClassVar[str] = "ats:enum_map"
    target: str
    source: Expr
    map: Mapping[str, Any]
    default: Any = NO_DEFAULT


@dataclass(frozen=True)
class Ref:
    SCHEMA_DEF: ClassVar[str] = "ats:ref"
    flow: str
    id: Expr
    required: bool = True


@dataclass(frozen=True)
class DeletePolicy:
    SCHEMA_DEF: ClassVar[str] = "ats:delete_policy"
    policy: Literal["archive", "delete", "ignore"] = "ignore"
    set: Mapping[str, Any] = empty()
    when_filtered: bool = False
    restore: Mapping[str, Any] = empty()


@dataclass(frozen=True)
class Example:
    SCHEMA_DEF: ClassVar[str] = "ats:example"
    input: Mapping[str, Any]
    output: Mapping[str, Any] | None
    name: str = ""
    refs: Mapping[str, Any] = empty()


@dataclass(frozen=True)
class Flow:
    SCHEMA_DEF: ClassVar[str] = "ats:flow"
    direction: Literal["to_ats", "to_suite"]
    source: str
    target: str
    fields: Mapping[str, Expr] = empty()
    description: str = ""
    entity: str | None = None
    on_demand: bool = False
    when: Expr | None = None
    refs: Mapping[str, Ref] = empty()
    roles: EnumMap | None = None
    stages: EnumMap | None = None
    enums: tuple[EnumMap, ...] = ()
    action: str | None = None
    match: tuple[str, ...] = ()
    match_query: Mapping[str, Expr] = empty()
    delete: DeletePolicy = DeletePolicy()
    ownership: Mapping[str, Side] = empty()
    examples: tuple[Example, ...] = ()

    @property
    def source_side(self) -> Side:
        return "ats" if self.direction == "to_suite" else "suite"

    @property
    def target_side(self) -> Side:
        return "suite" if self.direction == "to_suite" else "ats"

    @property
    def ats_resource(self) -> str:
        return self.source if self.direction == "to_suite" else self.target

    @property
    def link_entity(self) -> str:
        """The equivalence-table entity: ``entity``, else the ATS-side resource."""
        return self.entity or self.ats_resource

    def owner(self, target_field: str) -> Side:
        return self.ownership.get(target_field, self.source_side)


@dataclass(frozen=True)
class Polling:
    SCHEMA_DEF: ClassVar[str] = "ats:polling"
    interval: Duration
    flows: tuple[str, ...]
    overlap: Duration = Duration(120)
    reconcile: Duration = Duration(86400)


@dataclass(frozen=True)
class EmbedData:
    SCHEMA_DEF: ClassVar[str] = "ats:embed_data"
    SEES_EARLIER: ClassVar[bool] = True  # its templates may read the items declared before it
    resource: str
    side: Side = "suite"
    id: Template | None = variables(EMBED_VARS, None)
    parent_id: Template | None = variables(EMBED_VARS, None)
    params: Mapping[str, Template] = variables(EMBED_VARS, EMPTY)
    select: Expr | None = None


@dataclass(frozen=True)
class EmbedAction:
    SCHEMA_DEF: ClassVar[str] = "ats:embed_action"
    flow: str
    label: str
    when: Expr | None = None
    confirm: str = ""
    done: str = ""


@dataclass(frozen=True)
class Embed:
    SCHEMA_DEF: ClassVar[str] = "ats:embed"
    entity: str
    template: str
    data: Mapping[str, EmbedData]
    description: str = ""
    action: EmbedAction | None = None


@dataclass(frozen=True)
class EmbedContext:
    SCHEMA_DEF: ClassVar[str] = "ats:embed_context"
    secret: Template
    ids: Mapping[str, str]
    signature: str = "signature"
    timestamp: str = "timestamp"
    algorithm: Literal["sha256", "sha512"] = "sha256"
    encoding: Literal["hex", "base64"] = "hex"
    max_age: Duration = Duration(300)


@dataclass(frozen=True)
class PartnerAuth:
    SCHEMA_DEF: ClassVar[str] = "ats:partner_auth"
    type: Literal["basic", "bearer"]


@dataclass(frozen=True)
class PartnerTests:
    SCHEMA_DEF: ClassVar[str] = "ats:partner_tests"
    resource: str = "project"
    when: Expr | None = None


@dataclass(frozen=True)
class PartnerExample:
    SCHEMA_DEF: ClassVar[str] = "ats:partner_example"
    input: Any
    output: Any
    name: str = ""


@dataclass(frozen=True)
class PartnerRoute:
    SCHEMA_DEF: ClassVar[str] = "ats:partner_route"
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
    path: str
    action: Literal["list_tests", "invite", "status", "acknowledge"]
    request: Mapping[str, Expr] = empty()
    response: Expr | None = None
    status: int = 200
    examples: tuple[PartnerExample, ...] = ()


@dataclass(frozen=True)
class PartnerCallback:
    SCHEMA_DEF: ClassVar[str] = "ats:partner_callback"
    method: Literal["POST", "PUT", "PATCH"]
    when: Expr
    body: Expr | None = None
    headers: Mapping[str, Template] = empty()


@dataclass(frozen=True)
class Partner:
    SCHEMA_DEF: ClassVar[str] = "ats:partner"
    auth: PartnerAuth
    routes: Mapping[str, PartnerRoute]
    description: str = ""
    tests: PartnerTests = PartnerTests()
    callback: PartnerCallback | None = None


@dataclass(frozen=True)
class AtsSpec:
    SCHEMA_DEF: ClassVar[str] = "ats:"
    kind: Literal["ats"]
    name: str
    title: str
    setups: tuple[Literal["ideal", "quick", "static"], ...]
    connection: Connection
    resources: Mapping[str, Resource]
    sync: Mapping[str, Flow]
    docs: str = ""
    secrets: Mapping[str, SecretDecl] = empty()
    webhooks: tuple[Webhook, ...] = ()
    polling: Polling | None = None
    embeds: Mapping[str, Embed] = empty()
    embed_context: EmbedContext | None = None
    partner: Partner | None = None


@dataclass(frozen=True)
class SuiteSpec:
    SCHEMA_DEF: ClassVar[str] = "suite:"
    kind: Literal["suite"]
    name: str
    title: str
    connection: Connection
    resources: Mapping[str, Resource]
    roles: tuple[str, ...]
    stages: tuple[str, ...]
    webhooks: Webhook
    secrets: Mapping[str, SecretDecl] = empty()
    auth_methods: Mapping[str, Auth] = empty()
    deep_links: Mapping[str, Template] = variables(DEEP_LINK_VARS, EMPTY)


@dataclass(frozen=True)
class SuiteConnection:
    SCHEMA_DEF: ClassVar[str] = "deployment:suite_connection"
    base_url: str
    public_url: str | None = None
    token_url: str | None = None
    authorize_url: str | None = None


@dataclass(frozen=True)
class Server:
    SCHEMA_DEF: ClassVar[str] = "deployment:server"
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None
    https: bool = False
    certificate: str | None = None
    private_key: str | None = None
    admin_token: str | None = None


@dataclass(frozen=True)
class Tenant:
    SCHEMA_DEF: ClassVar[str] = "deployment:tenant"
    ats: str
    suite_company: str
    suite_auth: str | None = None
    setup: Literal["ideal", "quick", "static"] = "ideal"
    ats_base_url: str | None = None
    ats_token_url: str | None = None
    poll_interval: Duration | None = None
    secrets: Mapping[str, str] = empty()
    suite_secrets: Mapping[str, str] = empty()
    frame_origins: tuple[str, ...] = ()


@dataclass(frozen=True)
class Deployment:
    SCHEMA_DEF: ClassVar[str] = "deployment:"
    kind: Literal["deployment"]
    database: str
    tenants: Mapping[str, Tenant]
    mappings: str = "mappings"
    suite: SuiteConnection | None = None
    server: Server = Server()


Spec = AtsSpec | SuiteSpec | Deployment
ROOTS: Mapping[str, type[AtsSpec] | type[SuiteSpec] | type[Deployment]] = {
    "ats": AtsSpec,
    "suite": SuiteSpec,
    "deployment": Deployment,
}
