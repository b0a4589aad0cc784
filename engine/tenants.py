"""Tenants from connector.yaml, with their specs, secrets and API clients.

    runtime = Runtime.from_config("connector.yaml")
    async with runtime.tenant("acme").suite_client() as suite:
        async for project in suite.list("project"):
            ...

Secrets are written as ``${ENV}`` references and read from the environment when the
config loads; a missing variable is an error that names it, never an empty value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from engine.client.api import ApiClient
from engine.dsl.loader import Catalog, load_deployment
from engine.dsl.spec import AtsSpec, Deployment, SuiteSpec, Tenant
from engine.errors import ConnectorError
from engine.store.tables import make_engine
from engine.store.tokens import TokenStore

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_env(value: str, env: Mapping[str, str] | None = None, *, where: str = "") -> str:
    env = os.environ if env is None else env

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise ConnectorError(f"environment variable {name} is not set", where=where or None)
        return env[name]

    return _ENV.sub(lookup, value)


def unset_variables(text: str, env: Mapping[str, str] | None = None) -> list[tuple[int, int, str]]:
    """``(line, column, NAME)`` of each ``${NAME}`` in a YAML text that ``env`` lacks.

    >>> unset_variables("database: ${DB}\\n", {})
    [(1, 11, 'DB')]
    """
    import yaml

    env = os.environ if env is None else env
    found: list[tuple[int, int, str]] = []
    root = yaml.compose(text)
    nodes: list[yaml.Node] = [] if root is None else [root]
    while nodes:
        node = nodes.pop()
        if isinstance(node, yaml.ScalarNode) and isinstance(node.value, str):
            mark = node.start_mark
            found += [(mark.line + 1, mark.column + 1, n) for n in _ENV.findall(node.value)]
        elif isinstance(node, yaml.SequenceNode):
            nodes.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            nodes.extend(value for _key, value in node.value)
    return sorted(item for item in found if item[2] not in env)


@dataclass
class TenantRuntime:
    """One company: its config, its ATS spec, and clients for both sides."""

    id: str
    config: Tenant
    ats: AtsSpec
    suite: SuiteSpec
    deployment: Deployment
    tokens: TokenStore | None = None
    env: Mapping[str, str] | None = None
    verify: bool = True
    client_options: dict[str, Any] = field(default_factory=dict)

    def _expand(self, values: Mapping[str, str | None], where: str) -> dict[str, str]:
        return {
            name: expand_env(value, self.env, where=f"{where}{name}")
            for name, value in values.items()
            if value
        }

    def _client(
        self,
        spec: AtsSpec | SuiteSpec,
        secrets: dict[str, str],
        urls: dict[str, str],
        options: dict[str, Any],
        auth: Any = None,
    ) -> ApiClient:
        return ApiClient.for_spec(
            spec,
            tenant=self.id,
            secrets=secrets,
            tokens=self.tokens,
            auth=auth,
            urls=urls,
            verify=self.verify,
            **{**self.client_options, **options},
        )

    def suite_client(self, **options: Any) -> ApiClient:
        conf = self.deployment.suite
        urls = {}
        if conf is not None:
            given = {
                "base_url": conf.base_url,
                "token_url": conf.token_url,
                "authorize_url": conf.authorize_url,
            }
            urls = self._expand(given, "suite.")
        auth = self.suite.auth_methods[self.config.suite_auth] if self.config.suite_auth else None
        return self._client(self.suite, self.suite_secrets(), urls, options, auth)

    def ats_client(self, **options: Any) -> ApiClient:
        given = {"base_url": self.config.ats_base_url, "token_url": self.config.ats_token_url}
        urls = self._expand(given, f"tenants.{self.id}.ats_")
        return self._client(self.ats, self.ats_secrets(), urls, options)

    def ats_secrets(self) -> dict[str, str]:
        return self._expand(self.config.secrets, f"tenants.{self.id}.secrets.")

    def suite_secrets(self) -> dict[str, str]:
        return self._expand(self.config.suite_secrets, f"tenants.{self.id}.suite_secrets.")


class Runtime:
    """A loaded deployment: specs, database and tenants."""

    def __init__(
        self,
        deployment: Deployment,
        catalog: Catalog,
        *,
        config_path: Path | None = None,
        env: Mapping[str, str] | None = None,
        engine: Engine | None = None,
        tokens: TokenStore | None = None,
        verify: bool = True,
    ) -> None:
        self.deployment = deployment
        self.catalog = catalog
        self.config_path = config_path
        self.env = env
        self.engine = engine or make_engine(self.database_url)
        self._tokens = tokens
        self.verify = verify
        self._tenants: dict[str, TenantRuntime] = {}

    @property
    def tokens(self) -> TokenStore:
        """The token store; its key is read from the environment on first use."""
        if self._tokens is None:
            self._tokens = TokenStore(self.engine)
        return self._tokens

    @classmethod
    def from_config(cls, path: Path | str, **kwargs: Any) -> Runtime:
        deployment, catalog = load_deployment(path)
        return cls(deployment, catalog, config_path=Path(path), **kwargs)

    @property
    def database_url(self) -> str:
        url = expand_env(self.deployment.database, self.env, where="database")
        if url.startswith("sqlite:///") and self.config_path is not None:
            relative = url.removeprefix("sqlite:///")
            if relative and not relative.startswith("/") and relative != ":memory:":
                url = f"sqlite:///{(self.config_path.parent / relative).resolve()}"
        return url

    def tenant(self, tenant_id: str) -> TenantRuntime:
        if tenant_id in self._tenants:
            return self._tenants[tenant_id]
        config = self.deployment.tenants.get(tenant_id)
        if config is None:
            raise ConnectorError(f"unknown tenant {tenant_id!r}")
        self._tenants[tenant_id] = TenantRuntime(
            tenant_id,
            config,
            self.catalog.ats[config.ats],
            self.catalog.suite,
            self.deployment,
            self.tokens,
            self.env,
            self.verify,
        )
        return self._tenants[tenant_id]

    def close(self) -> None:
        self.engine.dispose()

    @property
    def tenant_ids(self) -> list[str]:
        return sorted(self.deployment.tenants)
