"""A stateful simulator of the Video Interview Suite, for tests and the demo.

    from simulators.suite import create_app

    app = create_app()
    with LoopbackServer(app) as server:
        sim = app.state.sim
        sim.public_url = server.url
        sim.add_company({"id": "acme", "name": "Acme", ...})
        token = sim.issue_token("acme")

See ``simulators.suite.app`` for what is where.
"""

from simulators.suite.app import OPENAPI_PATH, create_app
from simulators.suite.state import SuiteState

__all__ = ["OPENAPI_PATH", "SuiteState", "create_app"]
