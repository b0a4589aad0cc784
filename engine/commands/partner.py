"""``connector partner-key TENANT``: the key an ATS's marketplace presents to Connector.

    $ connector partner-key acme
    cpk_3q…   (shown once: give it to the ATS; only its digest is stored)

``--revoke`` withdraws every key of the tenant (a leaked key, an ended contract); the
ATS's next call is refused with a 401 until it has a new one.
"""

from __future__ import annotations

import argparse
import sys

from engine.commands.common import add_config, fail, load_runtime
from engine.dsl.diagnostics import SpecError
from engine.errors import ConnectorError
from engine.store.partner_keys import PartnerKeys


def run(args: argparse.Namespace) -> int:
    try:
        runtime = load_runtime(args)
        tenant = runtime.tenant(args.tenant)
        if tenant.ats.partner is None:
            raise ConnectorError(
                f"the {tenant.ats.name} spec has no partner section: its ATS calls no partner"
            )
        keys = PartnerKeys(runtime.engine)
        if args.revoke:
            print(f"{args.tenant}: {keys.revoke(args.tenant)} key(s) revoked")
            return 0
        key = keys.issue(args.tenant, label=tenant.ats.name)
    except (ConnectorError, SpecError) as exc:
        return fail(exc)
    print(key)
    base = f"/partner/{args.tenant}/{tenant.ats.name}/"
    how = (
        "as the user name of basic auth"
        if tenant.ats.partner.auth.type == "basic"
        else "as a bearer token"
    )
    print(f"give it to {tenant.ats.title} ({how}) with the endpoints under {base}; "
          "it is shown once, only its digest is stored", file=sys.stderr)  # fmt: skip
    return 0


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    text = "issue the key a tenant's ATS presents to Connector's partner endpoints"
    command = commands.add_parser("partner-key", help=text, description=text)
    command.add_argument("tenant")
    command.add_argument("--revoke", action="store_true", help="revoke every key of the tenant")
    add_config(command)
    command.set_defaults(run=run)
