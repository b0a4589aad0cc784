"""The files ``connector init`` writes: a commented connector.yaml and its .env template.

    files = Starter(catalog.ats["greenhouse"], catalog.suite, tenant="acme", key=key)
    files.config()   # connector.yaml, every secret a ${ACME_GREENHOUSE_...} reference
    files.env()      # .env: one line per variable, the key filled in

Every secret the ATS spec and the suite spec declare becomes a ``${ENV}`` reference, so
connector.yaml holds no secret and can be committed; .env holds them and must not be.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from engine.dsl.model.connection import SecretDecl
from engine.dsl.spec import AtsSpec, SuiteSpec
from engine.store.tokens import KEY_ENV

PUBLIC_URL = "CONNECTOR_PUBLIC_URL"
SUITE_URL = "SUITE_BASE_URL"
SUITE_PUBLIC = "SUITE_PUBLIC_URL"

CONFIG = """\
# Connector deployment, written by `connector init`. Check it with
#   connector lint {config}
# Secrets are ${{ENV}} references, read from the environment when the file loads;
# .env beside this file lists them all. Keep .env out of version control.
kind: deployment

# The database. SQLite (a file beside this one) suits one process; for several
# processes use PostgreSQL: postgresql+psycopg://connector@db.internal/connector
database: sqlite:///connector.db

# How `connector serve` listens. public_url is where the ATS and the suite reach
# Connector (your TLS proxy): webhook registration and widget URLs use it.
server:
  host: 127.0.0.1
  port: 8000
  public_url: ${{{public}}}

# Where the Video Interview Suite is, for every tenant.
suite:
  base_url: ${{{suite_url}}}      # e.g. https://suite.example.com/api/v1
  public_url: ${{{suite_public}}}  # e.g. https://suite.example.com

tenants:
  {tenant}:
    ats: {ats}  # {title}: mappings/ats/{ats}.yaml
    suite_company: change-me  # the company id in the suite (e.g. c_42)
{suite_auth}    # ideal: webhooks both ways; static: polling; quick: links only.
    # {ats} supports {setups}.
    setup: {setup}
    # The ATS origins allowed to frame this tenant's widgets (the ATS's own pages).
    frame_origins: [https://ats.example.com]
    secrets:
{secrets}
    suite_secrets:
{suite_secrets}
"""

SUITE_AUTH = """\
    # client: the suite's client-credentials grant. Remove this line to connect through
    # the suite's OAuth consent instead (`connector consent-url {tenant}`).
    suite_auth: client
"""

ENV = """\
# Environment of connector.yaml, written by `connector init`. Fill in every value, then
# load it into your shell before running connector:
#   set -a; . ./.env; set +a
# Keep this file secret: it holds the key that encrypts stored OAuth tokens.

# Encrypts OAuth tokens at rest; rotate with "$(connector keygen),$OLD_KEY".
{key_env}={key}

# Where the ATS and the suite reach Connector (https://connector.example.com).
{public}=

# The suite's API root and its browser-facing root.
{suite_url}=
{suite_public}=
{variables}"""


def env_name(*parts: str) -> str:
    """``env_name("acme-eu", "greenhouse", "client_id") == "ACME_EU_GREENHOUSE_CLIENT_ID"``."""
    return re.sub(r"[^A-Z0-9]+", "_", "_".join(parts).upper()).strip("_")


@dataclass
class Starter:
    """The starter files for one tenant of one shipped ATS spec."""

    ats: AtsSpec
    suite: SuiteSpec
    tenant: str = "acme"
    key: str = ""
    config_name: str = "connector.yaml"
    _comments: dict[str, str] = field(default_factory=dict)

    def _secrets(self, side: str, decls: Mapping[str, SecretDecl]) -> Iterator[str]:
        for name, decl in decls.items():
            variable = env_name(self.tenant, side, name)
            line = f"{name}: ${{{variable}}}"
            self._comments[variable] = (
                decl.description if decl.required else f"(optional) {decl.description}"
            )
            if decl.required:
                yield f"      {line}  # {decl.description}".rstrip(" #")
            else:
                yield f"      # {line}  (optional) {decl.description}".rstrip()

    def config(self) -> str:
        self._comments.clear()
        setups = list(self.ats.setups)
        has_client = "client" in self.suite.auth_methods
        return CONFIG.format(
            config=self.config_name,
            public=PUBLIC_URL,
            suite_url=SUITE_URL,
            suite_public=SUITE_PUBLIC,
            tenant=self.tenant,
            ats=self.ats.name,
            title=self.ats.title,
            suite_auth=SUITE_AUTH.format(tenant=self.tenant) if has_client else "",
            setups=", ".join(setups),
            setup="ideal" if "ideal" in setups else setups[0],
            secrets="\n".join(self._secrets(self.ats.name, self.ats.secrets)) or "      {}",
            suite_secrets="\n".join(self._secrets("suite", self.suite.secrets)) or "      {}",
        )

    def variables(self) -> list[str]:
        """Every variable connector.yaml references, in the order it does."""
        if not self._comments:
            self.config()
        return [KEY_ENV, PUBLIC_URL, SUITE_URL, SUITE_PUBLIC, *self._comments]

    def env(self) -> str:
        if not self._comments:
            self.config()
        blocks = [f"\n# {text}\n{name}=\n" for name, text in self._comments.items()]
        return ENV.format(
            key_env=KEY_ENV,
            key=self.key,
            public=PUBLIC_URL,
            suite_url=SUITE_URL,
            suite_public=SUITE_PUBLIC,
            variables="".join(blocks),
        )
