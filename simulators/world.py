"""A whole integration on loopback: the suite and the ATS simulators, a company in each,
and a connector.yaml that joins them with an embedded SQLite database.

    with World(tmp_path) as world:
        world.greenhouse.create_job(name="Engineer", status="open")
        runtime = world.runtime()

Used by the end-to-end tests, the benchmarks and ``connector demo``.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from starlette.applications import Starlette

from engine.store.migrate import upgrade
from engine.store.tables import make_engine
from engine.store.tokens import TokenStore
from engine.tenants import Runtime
from simulators import suite
from simulators.greenhouse.simulator import CLIENT as GREENHOUSE_CLIENT
from simulators.greenhouse.state import GreenhouseSim
from simulators.kit.protocol import AtsSimulator
from simulators.kit.serving import LoopbackServer
from simulators.registry import SIMULATORS
from simulators.suite.company import Company
from simulators.suite.state import SuiteState

__all__ = ["GREENHOUSE_CLIENT", "SUITE_CLIENT", "TENANT", "World"]

TENANT = "acme"
SUITE_CLIENT = ("connector", "connector-secret-" + "0" * 8)

CONFIG = """\
# A deployment joining the loopback simulators, written by simulators/world.py.
kind: deployment
database: {database}
suite:
  base_url: {suite}/api/v1
  public_url: {suite}
tenants:
{tenants}"""

TENANT_CONFIG = """\
  {tenant}:
    suite_company: {tenant}
{suite_auth}    setup: {setup}
{poll_interval}{ats}    suite_secrets:
      client_id: {suite_id}
      client_secret: {suite_secret}
      webhook_secret: {suite_hook}
    frame_origins: [http://127.0.0.1]
"""


class World:
    """The suite and each ATS simulator in ``ats`` (default: the first shipped one,
    Greenhouse), served on loopback; the first ATS is tenant ``acme``, the others
    ``acme-{name}``."""

    def __init__(
        self,
        directory: Path,
        *,
        seed: int = 0,
        database_url: str | None = None,
        suite_auth: str | None = "client",
        ats: Sequence[AtsSimulator] | None = None,
        poll_interval: str | None = None,
    ) -> None:
        self.suite_auth = suite_auth
        self.poll_interval = poll_interval  # each tenant's, where given
        self.directory = directory
        self.database = database_url or "sqlite:///connector.db"
        self.simulators = list(SIMULATORS[:1] if ats is None else ats)
        self.suite_app = suite.create_app(seed=seed)
        self.suite_server = LoopbackServer(self.suite_app)
        self.ats_apps = {s.name: s.create_app(seed=seed) for s in self.simulators}
        self.ats_servers = {name: LoopbackServer(app) for name, app in self.ats_apps.items()}
        self.config_path = directory / "connector.yaml"
        self.key = Fernet.generate_key().decode()
        self.hook_secret = "gh-hook-" + secrets.token_hex(8)
        self._runtimes: list[Runtime] = []

    def tenant_of(self, name: str) -> str:
        """The tenant whose ATS is the simulator ``name``."""
        first = self.simulators[0].name if self.simulators else None
        return TENANT if name == first else f"{TENANT}-{name}"

    @property
    def suite(self) -> SuiteState:
        return self.suite_app.state.sim  # type: ignore[no-any-return]

    @property
    def greenhouse(self) -> GreenhouseSim:
        return self.ats_apps["greenhouse"].state.sim  # type: ignore[no-any-return]

    @property
    def greenhouse_app(self) -> Starlette:
        return self.ats_apps["greenhouse"]

    @property
    def greenhouse_server(self) -> LoopbackServer:
        return self.ats_servers["greenhouse"]

    @property
    def company(self) -> Company:
        return self.suite.company(TENANT)

    def __enter__(self) -> World:
        self.suite_server.start()
        for server in self.ats_servers.values():
            server.start()
        self.suite.public_url = self.suite_server.url
        tenants = [self._tenant(simulator) for simulator in self.simulators]
        self.directory.mkdir(parents=True, exist_ok=True)
        config = CONFIG.format(database=self.database, suite=self.suite_server.url,
                               tenants="".join(tenants))  # fmt: skip
        self.config_path.write_text(config, encoding="utf-8")
        return self

    def _tenant(self, simulator: AtsSimulator) -> str:
        tenant = self.tenant_of(simulator.name)
        self.suite.add_company(
            {
                "id": tenant,
                "name": "Acme",
                "users": [{"email": "admin@acme.example", "name": "Acme Admin", "role": "admin"}],
                "clients": [
                    {
                        "client_id": SUITE_CLIENT[0]
                        if tenant == TENANT
                        else f"{SUITE_CLIENT[0]}-{tenant}",
                        "client_secret": SUITE_CLIENT[1],
                        "redirect_uris": [f"http://127.0.0.1/oauth/{tenant}/callback"],
                    }
                ],
            }
        )
        url = self.ats_servers[simulator.name].url
        return TENANT_CONFIG.format(
            tenant=tenant,
            suite_auth=f"    suite_auth: {self.suite_auth}\n" if self.suite_auth else "",
            setup=simulator.setup,
            poll_interval=f"    poll_interval: {self.poll_interval}\n"
            if self.poll_interval
            else "",
            ats=simulator.tenant(self.ats_apps[simulator.name], url, self.hook_secret),
            suite_id=SUITE_CLIENT[0] if tenant == TENANT else f"{SUITE_CLIENT[0]}-{tenant}",
            suite_secret=SUITE_CLIENT[1],
            suite_hook="whsec_" + "A" * 32,
        )

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
        for server in self.ats_servers.values():
            server.stop()
        self.suite_server.stop()
