"""A stateful simulator of the Teamtailor API v1 (JSON:API) and its company webhooks.

    app = create_app(seed=7)
    sim = app.state.sim                      # TeamtailorSim, usable from any thread
    sim.add_api_key("key")
    with LoopbackServer(app) as server: ...

| module | holds |
| --- | --- |
| ``app`` | ``create_app``, the ``/v1`` routes, auth and faults around them; the facts followed |
| ``control`` | Teamtailor's own ``/_sim`` routes, next to the kit's |
| ``state`` | ``TeamtailorSim``: the kit tables, auth, the rate window and the changes |
| ``listing`` | list queries: filters, ``page[size]``, ``page[number]``, ``include`` |
| ``jsonapi`` | resource objects, list links and JSON:API error bodies |
| ``hooks`` | webhook receivers, payloads and signatures; the kit's dispatcher sends them |
| ``simulator`` | ``Teamtailor``: the ``AtsSimulator`` the world and the demo use |
"""

from simulators.teamtailor.app import create_app
from simulators.teamtailor.state import TeamtailorSim

__all__ = ["TeamtailorSim", "create_app"]
