"""Records being synced right now: each one at a time, and no cycle waits on itself.

Two events about the same record, or a record and another that refers to it, may ask
for the same sync at once. The first claims it; the others wait for it to finish and
then read what it wrote. A record that refers to itself (or a cycle of records) would
wait for itself forever: ``CHAIN``, the records the current task is syncing further up,
lets a claim skip those instead.

    claim = inflight.claim("jobs_to_projects", [12, 13])
    with claim:  # 12 and 13 are ours now, unless another task has them
        for source_id in claim.mine:
            ...
    await claim.settled()  # and the ones another task had are done too
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from contextvars import ContextVar, Token
from typing import Any

from engine.store.links import key

Flight = tuple[str, str]  # (flow, stored source id)

# The records being synced further up the current task: a context variable, so that
# concurrent tasks each see their own chain.
CHAIN: ContextVar[frozenset[Flight]] = ContextVar("chain", default=frozenset())


class Claim:
    """The records of one claim: ``mine`` to sync now, the rest to wait for."""

    def __init__(self, inflight: InFlight, name: str, mine: list[Any], others: list[Any]) -> None:
        self.inflight = inflight
        self.name = name
        self.mine = mine
        self._others = others
        self._chain: Token[frozenset[Flight]] | None = None

    def __enter__(self) -> Claim:
        self._chain = CHAIN.set(CHAIN.get() | {(self.name, key(i)) for i in self.mine})
        return self

    def __exit__(self, *exc: object) -> None:
        self.inflight.release(self.name, self.mine)
        if self._chain is not None:
            CHAIN.reset(self._chain)

    async def settled(self) -> None:
        """Wait for the records another task was syncing (shielded: our cancellation
        does not cancel their work)."""
        await asyncio.gather(*(asyncio.shield(f) for f in self._others))


class InFlight:
    def __init__(self) -> None:
        self._running: dict[Flight, asyncio.Future[None]] = {}

    def claim(self, name: str, ids: Iterable[Any]) -> Claim:
        """Claim the records of flow ``name`` no one syncs yet; skip those in ``CHAIN``."""
        chain = CHAIN.get()
        loop = asyncio.get_running_loop()
        mine, others = [], []
        for source_id in ids:
            flight = (name, key(source_id))
            if flight in chain:
                continue  # a cycle: it is being synced further up already
            if flight in self._running:
                others.append(self._running[flight])
            else:
                self._running[flight] = loop.create_future()
                mine.append(source_id)
        return Claim(self, name, mine, others)

    def release(self, name: str, ids: Iterable[Any]) -> None:
        for source_id in ids:
            pending = self._running.pop((name, key(source_id)), None)
            if pending is not None and not pending.done():
                pending.set_result(None)
