"""What the benchmarks share: a free loopback port, and waiting for a server to answer."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    """Return once ``url`` answers at all; raise if it does not within ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {timeout:.0f} s")


async def connection(port: int, requests: list[bytes], latencies: list[float]) -> None:
    """One keep-alive connection sending pre-built requests one after another, each
    expected to answer 200, timing each.

    A raw HTTP/1.1 client: the load generator must cost far less than the server it
    measures, which a full HTTP client library at dozens of connections does not.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while requests:
            request = requests.pop()
            start = time.perf_counter()
            writer.write(request)
            status = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if b" 200 " not in status:
                raise RuntimeError(f"answered {status!r}")
    finally:
        writer.close()


async def load(port: int, requests: list[bytes], connections: int) -> tuple[float, list[float]]:
    """Send ``requests`` over ``connections`` connections; requests a second, latencies."""
    latencies: list[float] = []
    pending = list(reversed(requests))
    start = time.perf_counter()
    await asyncio.gather(*(connection(port, pending, latencies) for _ in range(connections)))
    return len(requests) / (time.perf_counter() - start), latencies
