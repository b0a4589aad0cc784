"""One worker process per SQLite database: a second is refused, with the reason.

SQLite takes one writer at a time and has no ``FOR UPDATE SKIP LOCKED``: two processes
claiming from one file would serialise on its lock and time out under load. So the
process that runs a worker (``connector worker``, or ``connector serve`` with its
in-process worker) holds an exclusive lock on ``<database>.worker.lock`` for its life;
another is told to use PostgreSQL. On PostgreSQL any number of workers run.

    with worker_slot(runtime):      # ConnectorError: another worker has this database
        ...
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from engine.errors import ConnectorError
from engine.tenants import Runtime


def sqlite_file(url: str) -> Path | None:
    """The database file of an SQLite URL; None for any other database (or memory)."""
    if not url.startswith("sqlite:///") or url in ("sqlite:///:memory:", "sqlite://"):
        return None
    return Path(url.removeprefix("sqlite:///"))


@contextlib.contextmanager
def worker_slot(runtime: Runtime) -> Iterator[None]:
    """Hold the database's single worker slot (SQLite), or nothing at all (PostgreSQL)."""
    database = sqlite_file(runtime.database_url)
    if database is None:
        yield
        return
    try:
        import fcntl
    except ImportError:  # no POSIX locks here: nothing to hold
        yield
        return
    lock_path = database.with_name(database.name + ".worker.lock")
    handle = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115  (held for the whole life)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise ConnectorError(
                f"a worker already runs on the SQLite database {database} (pid {holder}): "
                "SQLite takes one writer process; run several workers on PostgreSQL"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock
