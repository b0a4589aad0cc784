"""A stateful simulator of the Greenhouse Harvest v3 API and of Greenhouse webhooks.

    app = create_app(seed=7)
    sim = app.state.sim                      # GreenhouseSim, usable from any thread
    sim.add_client("client-id", "client-secret")
    with LoopbackServer(app) as server: ...

| module | holds |
| --- | --- |
| ``app`` | ``create_app``, ``POST /token`` and the ``/v3`` routes; the facts followed |
| ``control`` | Greenhouse's own ``/_sim`` routes, next to the kit's |
| ``state`` | ``GreenhouseSim``: the parts below composed around one lock |
| ``data`` | the kit tables of each resource, their indexes and lookups |
| ``records``, ``applications`` | the changes to users, jobs, candidates, applications, notes |
| ``seeding``, ``seed`` | bulk deterministic data |
| ``listing`` | v3 list filters, the opaque cursor and the scan |
| ``auth``, ``config`` | OAuth client credentials and bearer tokens; the knobs |
| ``hooks``, ``payloads`` | receivers and webhook payloads; the kit's dispatcher sends them |
| ``partner`` | the ATS side of an assessment partner: ``/_sim/partner``, the PATCH callback |
| ``simulator`` | ``Greenhouse``: the ``AtsSimulator`` the world and the demo use |
| ``errors``, ``checks``, ``times`` | error shapes, body checks, timestamps |
"""

from simulators.greenhouse.app import create_app
from simulators.greenhouse.state import GreenhouseSim

__all__ = ["GreenhouseSim", "create_app"]
