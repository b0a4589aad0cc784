"""Every shipped ATS simulator satisfies ``AtsSimulator``, the way the world and the demo
use it: a spec of its name, a tenant fragment, and seed helpers that act on a live server."""

from __future__ import annotations

import pytest
import yaml

from engine.paths import MAPPINGS_DIR
from simulators.kit.protocol import AtsSimulator
from simulators.kit.serving import LoopbackServer
from simulators.registry import SIMULATORS, simulator


@pytest.mark.parametrize("ats", SIMULATORS, ids=lambda s: s.name)
def test_simulator_satisfies_the_protocol(ats: AtsSimulator) -> None:
    assert isinstance(ats, AtsSimulator)
    assert (MAPPINGS_DIR / "ats" / f"{ats.name}.yaml").is_file()
    assert simulator(ats.name) is ats


@pytest.mark.parametrize("ats", SIMULATORS, ids=lambda s: s.name)
def test_seed_helpers_act_on_a_live_simulator(ats: AtsSimulator) -> None:
    app = ats.create_app(seed=3)
    with LoopbackServer(app) as server:
        fragment = yaml.safe_load("tenant:\n" + ats.tenant(app, server.url, "hook-secret"))
        assert fragment["tenant"]["ats"] == ats.name
        assert server.url in str(fragment["tenant"])
        if ats.setup == "ideal":  # a polled ATS sends no webhooks, so has no secret for them
            assert "hook-secret" in str(fragment)
        job = ats.open_job(app, "Designer", "<p>Design</p>")
        application = ats.apply(app, job, "Ada", "Lovelace", "ada@example.com")
        assert ats.stage_of(app, application) not in (None, ats.interview_stage)
        ats.move(app, application, ats.interview_stage)
        assert ats.stage_of(app, application) == ats.interview_stage
        ats.move(app, application, ats.completed_stage)
        assert ats.stage_of(app, application) == ats.completed_stage
        assert ats.notes(app, application) == []
        assert ats.stage_of(app, "no-such-application") is None
        ats.update_job(app, job, "Senior Designer")
        ats.close_job(app, job)
        assert ats.setup in ("ideal", "static") and ats.roles
        ids = [ats.add_user(app, "Pat", f"User{n}", f"u{n}@example.com", role)
               for n, role in enumerate(ats.roles)]  # fmt: skip
        assert len(set(map(str, ids))) == len(ats.roles)


def test_an_unknown_simulator_is_named_with_the_known_ones() -> None:
    with pytest.raises(KeyError, match=r"the shipped ones are \[.*'greenhouse'"):
        simulator("nope")
