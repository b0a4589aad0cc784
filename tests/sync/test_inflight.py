"""In-flight records: a record is synced by one task at a time, others wait for it, and
a record met again further up its own chain (a cycle) is skipped, not waited for."""

from __future__ import annotations

import asyncio
import contextvars

from engine.sync.inflight import InFlight


def test_a_second_task_waits_and_a_cycle_is_skipped() -> None:
    order: list[str] = []

    async def scenario() -> None:
        inflight = InFlight()

        async def other() -> None:  # another event's task: not in our chain
            claim = inflight.claim("jobs", [2, 4])
            with claim:
                assert claim.mine == [4]  # 2 is ours, 4 is free
            await claim.settled()
            order.append("other saw 2 done")

        first = inflight.claim("jobs", [1, 2])
        with first:
            assert first.mine == [1, 2]
            nested = inflight.claim("jobs", [1, 3])  # a ref back to a record up the chain
            with nested:
                assert nested.mine == [3]
            await nested.settled()  # nothing to wait for: 1 was skipped, not awaited
            waiting = asyncio.create_task(other(), context=contextvars.Context())
            await asyncio.sleep(0.01)
            assert not waiting.done()
            order.append("first done")
        await waiting
        again = inflight.claim("jobs", [1, 2])  # released: free again
        assert again.mine == [1, 2]
        inflight.release("jobs", again.mine)

    asyncio.run(asyncio.wait_for(scenario(), 5))
    assert order == ["first done", "other saw 2 done"]
