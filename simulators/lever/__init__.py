"""A stateful simulator of Lever's API v1 and of its webhooks.

    app = create_app(seed=7)
    sim = app.state.sim                      # LeverSim, usable from any thread
    sim.add_key("api-key")
    with LoopbackServer(app) as server: ...

| module | holds |
| --- | --- |
| ``app`` | ``create_app`` and the ``/v1`` routes; the facts followed |
| ``state`` | ``LeverSim``: tables, API keys, rate limit, faults and webhooks, one lock |
| ``listing`` | lists: filters, ``expand``, ``limit`` and the ``offset`` token |
| ``records`` | the JSON of postings, opportunities, users and notes; the stages; times |
| ``hooks`` | webhooks, delivery bodies and their body ``signature`` |
| ``errors`` | ``{"code", "message"}`` answers |
| ``simulator`` | ``Lever``: the ``AtsSimulator`` the world and the demo use |
"""

from simulators.lever.app import create_app
from simulators.lever.state import LeverSim

__all__ = ["LeverSim", "create_app"]
