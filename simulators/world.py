"""A whole integration on loopback: the suite and Greenhouse simulators, a company in
each, and a connector.yaml that joins them with an embedded SQLite database.

    with World(tmp_path) as world:
        world.greenhouse.create_job(name="Engineer", status="open")
        runtime = world.runtime()

Used by the end-to-end tests, the benchmarks and ``connector demo``.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from types import TracebackType
from typing import Any

from cryptography.fernet import Fernet, MultiFernet

from engine.store.migrate import upgrade
from engine.store.tables import make_engine
from engine.store.tokens import TokenStore
from engine.tenants import Runtime
from simulators import greenhouse, suite
from simulators.greenhouse_state import GreenhouseSim
from simulators.serving import LoopbackServer
from simulators.suite_company import Company
from simulators.suite_state import SuiteState

TENANT = "acme"
SUITE_CLIENT = ("connector", "connector-secret-" + "0" * 8)
GREENHOUSE_CLIENT = ("gh-connector", "gh-secret-" + "0" * 8)

CONFIG = """\
# A deployment joining the loopback simulators, written by simulators/world.py.
kind: deployment
database: {database}
suite:
  base_url: {suite}/api/v1
  public_url: {suite}
tenants:
  {tenant}:
    ats: greenhouse
    suite_company: {tenant}
{suite_auth}    setup: ideal
    ats_base_url: {greenhouse}/v3
    ats_token_url: {greenhouse}/token
    secrets:
      client_id: {gh_id}
      client_secret: {gh_secret}
      user_id: "{gh_user}"
      webhook_secret: {gh_hook}
    suite_secrets:
      client_id: {suite_id}
      client_secret: {suite_secret}
      webhook_secret: {suite_hook}
    frame_origins: [http://127.0.0.1]
"""


class World:
    def __init__(
        self,
        directory: Path,
        *,
        seed: int = 0,
        database_url: str | None = None,
        suite_auth: str | None = "client",
    ) -> None:
        self.suite_auth = suite_auth
        self.directory = directory
        self.database = database_url or "sqlite:///connector.db"
        self.suite_app = suite.create_app(seed=seed)
        self.greenhouse_app = greenhouse.create_app(seed=seed)
        self.suite_server = LoopbackServer(self.suite_app)
        self.greenhouse_server = LoopbackServer(self.greenhouse_app)
        self.config_path = directory / "connector.yaml"
        self.key = Fernet.generate_key().decode()
        self.hook_secret = "gh-hook-" + secrets.token_hex(8)
        self._runtimes: list[Runtime] = []

    @property
    def suite(self) -> SuiteState:
        return self.suite_app.state.sim  # type: ignore[no-any-return]

    @property
    def greenhouse(self) -> GreenhouseSim:
        return self.greenhouse_app.state.sim  # type: ignore[no-any-return]

    @property
    def company(self) -> Company:
        return self.suite.company(TENANT)

    def __enter__(self) -> World:
        self.suite_server.start()
        self.greenhouse_server.start()
        self.suite.public_url = self.suite_server.url
        self.suite.add_company(
            {
                "id": TENANT,
                "name": "Acme",
                "users": [{"email": "admin@acme.example", "name": "Acme Admin", "role": "admin"}],
                "clients": [
                    {
                        "client_id": SUITE_CLIENT[0],
                        "client_secret": SUITE_CLIENT[1],
                        "redirect_uris": ["http://127.0.0.1/oauth/acme/callback"],
                    }
                ],
            }
        )
        self.greenhouse.add_client(*GREENHOUSE_CLIENT)
        acting = self.greenhouse.create_user(
            first_name="Connector", last_name="Service", email="connector@acme.example"
        )
        self.directory.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(
            CONFIG.format(
                tenant=TENANT,
                database=self.database,
                suite_auth=f"    suite_auth: {self.suite_auth}\n" if self.suite_auth else "",
                suite=self.suite_server.url,
                greenhouse=self.greenhouse_server.url,
                gh_id=GREENHOUSE_CLIENT[0],
                gh_secret=GREENHOUSE_CLIENT[1],
                gh_user=acting["id"],
                gh_hook=self.hook_secret,
                suite_id=SUITE_CLIENT[0],
                suite_secret=SUITE_CLIENT[1],
                suite_hook="whsec_" + "A" * 32,
            ),
            encoding="utf-8",
        )
        return self

    def runtime(self, **kwargs: Any) -> Runtime:
        """The deployment, with its database migrated and tokens under a fresh key."""
        engine = make_engine(self.database_url())
        upgrade(engine)
        tokens = TokenStore(engine, MultiFernet([Fernet(self.key)]), signing_key=self.key.encode())
        runtime = Runtime.from_config(self.config_path, engine=engine, tokens=tokens, **kwargs)
        self._runtimes.append(runtime)
        return runtime

    def database_url(self) -> str:
        if self.database.startswith("sqlite:///") and not self.database.startswith("sqlite:////"):
            return f"sqlite:///{self.directory / self.database.removeprefix('sqlite:///')}"
        return self.database

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for runtime in self._runtimes:
            runtime.close()
        self.greenhouse_server.stop()
        self.suite_server.stop()
