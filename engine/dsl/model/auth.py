"""The ``auth`` strategies of a connection, one dataclass per ``type``, and their union.

    auth:
      type: api_key
      in: header
      name: X-Api-Key
      value: "{{ secrets.api_key }}"

builds ``ApiKeyAuth(type="api_key", name="X-Api-Key", value=Template(...), in_="header")``.
The runtime strategy of each type is registered in ``engine.client.auth.AUTH``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal

from engine.dsl.expressions import Duration, Template
from engine.dsl.model.fields import empty, key


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
