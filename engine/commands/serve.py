"""``connector serve``, ``connector register`` and ``connector inbox``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import ipaddress
import sys
from pathlib import Path

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from engine.commands.common import add_config, fail, load_runtime
from engine.dsl.diagnostics import SpecError
from engine.errors import ConnectorError
from engine.store.inbox import Inbox
from engine.store.migrate import upgrade
from engine.web.app import create_app
from engine.web.registration import register_ats, register_suite
from engine.work.exclusive import worker_slot

CERT_NAME, KEY_NAME = "connector-selfsigned.pem", "connector-selfsigned.key"
LOOPBACK = (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))


def subject_names(host: str) -> list[x509.GeneralName]:
    """The names a self-signed certificate for ``host`` covers: ``localhost`` as a DNS
    name, the loopback addresses as IP addresses (clients match an IP against IP entries
    only), and ``host`` as whichever of the two it is; an unspecified one (0.0.0.0) names
    no address a client could use, so it adds nothing."""
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    names += [x509.IPAddress(address) for address in LOOPBACK]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        extra: x509.GeneralName | None = x509.DNSName(host)
    else:
        extra = None if address.is_unspecified else x509.IPAddress(address)
    if extra is not None and extra not in names:
        names.append(extra)
    return names


def _covers(cert_path: Path, names: list[x509.GeneralName]) -> bool:
    """Whether the certificate kept at ``cert_path`` names all of ``names`` (one made by an
    older Connector, with 127.0.0.1 as a DNS name, does not, and is made again)."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    return all(name in san for name in names)


def self_signed(directory: Path, host: str) -> tuple[Path, Path]:
    """A certificate for ``host`` and its key, made once and kept in ``directory``."""
    cert_path, key_path, _ = ensure_self_signed(directory, host)
    return cert_path, key_path


def ensure_self_signed(directory: Path, host: str) -> tuple[Path, Path, bool]:
    """A certificate for ``host`` and its key, kept in ``directory`` and made again only
    when missing or not covering ``host``; the third value says whether it was made now."""
    cert_path, key_path = directory / CERT_NAME, directory / KEY_NAME
    names = subject_names(host)
    if key_path.is_file() and cert_path.is_file() and _covers(cert_path, names):
        return cert_path, key_path, False
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    directory.mkdir(parents=True, exist_ok=True)
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path, True


def run_serve(args: argparse.Namespace) -> int:
    try:
        runtime = load_runtime(args)
        upgrade(runtime.engine)
    except (ConnectorError, SpecError) as exc:
        return fail(exc)
    server = runtime.deployment.server
    host, port = args.host or server.host, args.port or server.port
    certificate, private_key = server.certificate, server.private_key
    if (args.https or server.https) and not certificate:
        cert_path, key_path, made = ensure_self_signed(
            Path(args.config).resolve().parent / "certs", host
        )
        certificate, private_key = str(cert_path), str(key_path)
        print(
            f"connector: {'wrote a' if made else 'using the'} self-signed certificate "
            f"{cert_path} (key {key_path}); clients trust it with e.g. curl --cacert {cert_path}",
            file=sys.stderr,
        )
    app = create_app(runtime, worker=not args.no_worker, scheduler=not args.no_scheduler)
    scheme = "https" if certificate else "http"
    print(
        f"connector serving {scheme}://{host}:{port} (webhooks at /hooks/<tenant>/<route>)",
        file=sys.stderr,
    )
    # the in-process worker takes an SQLite database's one worker slot, as `connector
    # worker` does; with --no-worker the web app alone runs beside one
    slot = contextlib.nullcontext() if args.no_worker else worker_slot(runtime)
    try:
        with slot:
            uvicorn.run(app, host=host, port=port, ssl_certfile=certificate,
                        ssl_keyfile=private_key, log_level="warning", access_log=False,
                        timeout_graceful_shutdown=5)  # fmt: skip
    except ConnectorError as exc:
        return fail(ConnectorError(f"{exc.message}; or serve with --no-worker"))
    return 0


def run_register(args: argparse.Namespace) -> int:
    try:
        runtime = load_runtime(args)
        public = args.url or runtime.deployment.server.public_url
        if not public:
            raise ConnectorError(
                "give --url or server.public_url: where the suite can reach Connector"
            )
        tenant = runtime.tenant(args.tenant)
        url = asyncio.run(register_suite(tenant, public))
        print(f"{args.tenant}: the suite now sends its events to {url}")
        if tenant.config.setup == "ideal":  # where the ATS's API subscribes webhooks
            for ats_url in asyncio.run(register_ats(tenant, public)):
                print(f"{args.tenant}: {tenant.ats.title} now sends its events to {ats_url}")
    except (ConnectorError, SpecError) as exc:
        return fail(exc)
    return 0


def run_inbox(args: argparse.Namespace) -> int:
    try:
        runtime = load_runtime(args)
    except (ConnectorError, SpecError) as exc:
        return fail(exc)
    inbox = Inbox(runtime.engine)
    if args.action == "retry":
        print(f"{inbox.retry(args.tenant, args.id or None)} dead event(s) queued again")
    elif args.action == "purge":
        print(
            f"{inbox.purge(status=args.status or 'done', older_than=args.days * 86400)} event(s) deleted"
        )
    else:
        print(f"{'id':>8} {'tenant':12} {'status':10} {'tries':>5} {'type':28} error")
        for event in inbox.list(args.tenant, args.status, args.limit):
            error = (event.last_error or "")[:60]
            print(
                f"{event.id:>8} {event.tenant:12} {event.status:10} {event.attempts:>5} {event.event_type:28} {error}"
            )
        print(f"inbox: {inbox.depth()}", file=sys.stderr)
    return 0


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser("serve", help="run webhooks, consent, the worker and the scheduler")
    add_config(serve)
    serve.add_argument(
        "--https", action="store_true", help="serve HTTPS (a self-signed certificate is made)"
    )
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--no-worker", action="store_true", help="do not process the inbox here")
    serve.add_argument("--no-scheduler", action="store_true", help="do not poll here")
    serve.set_defaults(run=run_serve)
    register = commands.add_parser(
        "register",
        help="subscribe a tenant's webhooks in the suite (and in the ATS, where its API can)",
    )
    register.add_argument("tenant")
    register.add_argument("--url", help="Connector's public URL (default: server.public_url)")
    add_config(register)
    register.set_defaults(run=run_register)
    inbox = commands.add_parser("inbox", help="list, retry or purge received events")
    inbox.add_argument("action", choices=("list", "retry", "purge"))
    inbox.add_argument("--tenant")
    inbox.add_argument("--status", choices=("pending", "processing", "done", "dead"))
    inbox.add_argument("--id", type=int, action="append", help="with retry: only these events")
    inbox.add_argument("--limit", type=int, default=50)
    inbox.add_argument("--days", type=float, default=7, help="with purge: older than this")
    add_config(inbox)
    inbox.set_defaults(run=run_inbox)
