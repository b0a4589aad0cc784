"""``connector serve --https``: the self-signed certificate it makes names the loopback
addresses as IP addresses, it says where it wrote it, and a client verifies against it."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
import queue
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from engine.commands.serve import ensure_self_signed, self_signed
from simulators.world import World

LOOPBACK = {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")}


def _names(cert_path: Path) -> x509.SubjectAlternativeName:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(
    ("host", "extra_dns", "extra_ip"),
    [("127.0.0.1", set(), set()), ("0.0.0.0", set(), set()),
     ("localhost", set(), set()), ("connector.internal", {"connector.internal"}, set()),
     ("10.1.2.3", set(), {ipaddress.ip_address("10.1.2.3")})],
)  # fmt: skip
def test_the_certificate_names_addresses_as_ip_and_hosts_as_dns(
    tmp_path: Path, host: str, extra_dns: set[str], extra_ip: set[ipaddress.IPv4Address]
) -> None:
    cert_path, key_path = self_signed(tmp_path / "certs", host)
    names = _names(cert_path)
    assert set(names.get_values_for_type(x509.IPAddress)) == LOOPBACK | extra_ip
    dns = names.get_values_for_type(x509.DNSName)
    assert set(dns) == {"localhost"} | extra_dns
    assert not any(_is_ip(name) for name in dns), dns
    assert key_path.stat().st_mode & 0o777 == 0o600


def _dns_only_certificate(folder: Path) -> None:
    """What an older Connector wrote: 127.0.0.1 as a DNS name."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.DNSName("127.0.0.1")]),
                       critical=False).sign(key, hashes.SHA256())
    )  # fmt: skip
    folder.mkdir(parents=True)
    (folder / "connector-selfsigned.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "connector-selfsigned.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def test_an_older_certificate_naming_an_ip_as_dns_is_made_again_then_kept(tmp_path: Path) -> None:
    folder = tmp_path / "certs"
    _dns_only_certificate(folder)
    cert_path, _, made = ensure_self_signed(folder, "127.0.0.1")
    assert made
    assert set(_names(cert_path).get_values_for_type(x509.IPAddress)) == LOOPBACK
    first = cert_path.read_bytes()
    assert ensure_self_signed(folder, "127.0.0.1")[2] is False
    assert cert_path.read_bytes() == first


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _drain(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def _line_matching(lines: queue.Queue[str], pattern: str, timeout: float) -> re.Match[str]:
    deadline, seen = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        with contextlib.suppress(queue.Empty):
            line = lines.get(timeout=0.1)
            seen.append(line)
            if found := re.search(pattern, line):
                return found
    raise AssertionError(f"no line matching {pattern!r} in {timeout}s:\n{''.join(seen)}")


def _healthz(url: str, context: ssl.SSLContext, timeout: float = 30) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(f"{url}/healthz", verify=context)
        except httpx.ConnectError as exc:
            if isinstance(exc.__cause__, ssl.SSLError) or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_serve_https_says_where_it_wrote_the_certificate_and_a_client_verifies_it(
    tmp_path: Path,
) -> None:
    with World(tmp_path) as world:
        world.runtime()  # creates the database
        port = _port()
        env = {**os.environ, "CONNECTOR_ENCRYPTION_KEY": world.key}
        command = [sys.executable, "-m", "engine.cli", "serve", "--https", "--port", str(port),
                   "--config", str(world.config_path)]  # fmt: skip
        process = subprocess.Popen(
            command, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        try:
            assert process.stderr is not None
            lines: queue.Queue[str] = queue.Queue()
            threading.Thread(target=_drain, args=(process.stderr, lines), daemon=True).start()
            said = _line_matching(lines, r"wrote a self-signed certificate (\S+) \(key (\S+)\)", 60)
            cert_path, key_path = Path(said.group(1)), Path(said.group(2))
            assert cert_path.parent == key_path.parent == world.directory / "certs"
            assert cert_path.is_file() and key_path.is_file()
            context = ssl.create_default_context(cafile=str(cert_path))
            context.verify_flags |= ssl.VERIFY_X509_STRICT  # as Python 3.13 sets by default
            answer = _healthz(f"https://127.0.0.1:{port}", context)
            assert answer.status_code == 200
            # a client that does not trust it is refused: the check above meant something
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"https://127.0.0.1:{port}/healthz", verify=ssl.create_default_context())
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            if process.stderr is not None:
                process.stderr.close()
