"""A stateful simulator of Workable's SPI v3 and of its webhook subscriptions.

    app = create_app(seed=7)
    sim = app.state.sim                      # WorkableSim, usable from any thread
    sim.add_token("account-token")
    with LoopbackServer(app) as server: ...

| module | holds |
| --- | --- |
| ``app`` | ``create_app`` and the ``/spi/v3`` routes; the facts followed |
| ``state`` | ``WorkableSim``: tables, tokens, rate limit, faults and webhooks, one lock |
| ``listing`` | collections: filters, ``limit`` and the ``paging.next`` URL |
| ``records`` | the JSON of jobs, candidates and members; the stage pipeline; times |
| ``hooks`` | subscriptions, delivery bodies and the ``X-Workable-Signature`` |
| ``errors`` | ``{"error": ...}`` answers |
| ``partner`` | the ATS side of an assessment provider: ``/_sim/partner``, the results PUT |
| ``simulator`` | ``Workable``: the ``AtsSimulator`` the world and the demo use |
"""

from simulators.workable.app import create_app
from simulators.workable.state import WorkableSim

__all__ = ["WorkableSim", "create_app"]
