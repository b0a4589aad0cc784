"""``connector init``: a starting deployment for one shipped ATS, and the road from it.

$ connector init --ats greenhouse
wrote connector.yaml, .env (with a fresh CONNECTOR_ENCRYPTION_KEY)
next:
  1. fill in .env and suite_company in connector.yaml, then: set -a; . ./.env; set +a
  2. connector lint connector.yaml
  ...
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cryptography.fernet import Fernet

from engine.commands.common import fail
from engine.commands.init_files import PUBLIC_URL, Starter
from engine.dsl.diagnostics import SpecError
from engine.dsl.loader import Catalog, load_catalog
from engine.errors import ConnectorError
from engine.paths import MAPPINGS_DIR


def _spec(catalog: Catalog, name: str | None) -> str:
    names = sorted(catalog.ats)
    if name is None:
        return names[0]
    if name not in catalog.ats:
        raise ConnectorError(f"no shipped ATS spec named {name!r}; shipped: {names}")
    return name


def next_steps(starter: Starter, folder: Path, config: Path) -> list[str]:
    option = "" if folder == Path() else f" --config {config}"
    tenant, ats = starter.tenant, starter.ats
    env = ".env" if folder == Path() else str(folder / ".env")
    widgets = sorted(ats.embeds)
    entities = sorted({f.link_entity for f in ats.sync.values() if f.direction == "to_suite"})
    paste = [
        f"connector embed-url {tenant} {widgets[0]} ATS_ID{option}" if widgets else "",
        f"connector links-url {tenant} {entities[0]}{option}" if entities else "",
    ]
    steps = [
        f"fill in {env} and suite_company in {config}, then load it: set -a; . {env}; set +a",
        f"connector lint {config}",
        f"connector db upgrade{option}",
        f"connector plan {tenant}{option}   (what a first sync would do; writes nothing)",
        f"connector sync {tenant}{option}",
        f"connector serve{option}   (behind your TLS proxy at ${PUBLIC_URL})",
        f"connector register {tenant}{option}   (the suite sends its events to Connector)",
        f"paste the URLs into {ats.title}: " + "; ".join(p for p in paste if p),
    ]
    return [f"  {n}. {step}" for n, step in enumerate(steps, 1)]


def run(args: argparse.Namespace) -> int:
    folder = Path(args.dir)
    config, env = folder / "connector.yaml", folder / ".env"
    try:
        catalog = load_catalog(MAPPINGS_DIR)
        ats = _spec(catalog, args.ats)
        existing = [str(p) for p in (config, env) if p.exists()]
        if existing and not args.force:
            raise ConnectorError(f"{', '.join(existing)} already exist(s); pass --force to replace")
        starter = Starter(
            catalog.ats[ats], catalog.suite, tenant=args.tenant, key=Fernet.generate_key().decode()
        )
        starter.config_name = str(config)
        folder.mkdir(parents=True, exist_ok=True)
        config.write_text(starter.config(), encoding="utf-8")
        env.touch(mode=0o600)
        env.chmod(0o600)  # it holds the key: readable by its owner only
        env.write_text(starter.env(), encoding="utf-8")
    except (ConnectorError, SpecError, OSError) as exc:
        return fail(exc)
    print(f"wrote {config}, {env} (with a fresh CONNECTOR_ENCRYPTION_KEY)")
    print("next:")
    for line in next_steps(starter, folder, config):
        print(line)
    return 0


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = commands.add_parser(
        "init",
        help="write a starting connector.yaml, a .env template and a fresh key",
        description="Write a commented connector.yaml for one tenant of a shipped ATS spec, "
        "a .env listing every variable it reads (with a fresh encryption key), and print "
        "the next steps.",
    )
    init.add_argument("--ats", help="the shipped ATS spec (default: the first one)")
    init.add_argument("--dir", default=".", help="where to write the files (default: here)")
    init.add_argument("--tenant", default="acme", help="the tenant id (default: acme)")
    init.add_argument("--force", action="store_true", help="replace existing files")
    init.set_defaults(run=run)
