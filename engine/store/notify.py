"""Wake workers in other processes when an event is stored (PostgreSQL only).

A worker with nothing to do looks at the inbox again every fraction of a second. On
PostgreSQL, the transaction that stores events also sends ``NOTIFY connector_inbox``
(delivered at its commit, never for a rollback), and each running worker keeps one
connection that ``LISTEN``s and wakes it. The look every fraction of a second stays:
a notification is a hint that makes a worker faster, never the only way work is found,
so a listener that lost its connection costs only latency while it reconnects.

    listener = Listener(engine, worker.wake).start()  # a daemon thread
    ...
    listener.close()  # stops it: within a second
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy import Engine

log = logging.getLogger("connector.inbox")

CHANNEL = "connector_inbox"
RECONNECT = (0.5, 10.0)  # seconds: the first wait after a lost connection, and the longest


def notifies(engine: Engine) -> bool:
    """Whether stores on this database notify listeners."""
    return engine.dialect.name == "postgresql"


def conninfo(engine: Engine) -> str:
    """The libpq form of the engine's URL (its password included)."""
    url = engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class Listener:
    """A daemon thread that calls ``wake`` (from its own thread) for each notification on
    ``CHANNEL``; a no-op on a database that does not notify."""

    def __init__(self, engine: Engine, wake: Callable[[], None], *, poll: float = 1.0) -> None:
        self.engine = engine
        self.wake = wake
        self.poll = poll  # how often the thread checks that it should stop
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Listener:
        if notifies(self.engine) and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="inbox-listener", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop listening; returns once the thread has (it checks every ``poll`` s)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.poll + 5)

    def _run(self) -> None:
        wait, longest = RECONNECT
        while not self._stop.is_set():
            try:
                with psycopg.connect(conninfo(self.engine), autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    wait = RECONNECT[0]
                    self.wake()  # events stored while it was not listening
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=self.poll):
                            self.wake()
            except psycopg.Error as exc:
                log.warning("inbox listener: %s; listening again in %.1f s",
                            type(exc).__name__, wait)  # fmt: skip
                self._stop.wait(wait)
                wait = min(longest, wait * 2)
