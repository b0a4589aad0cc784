"""A widget's button (candidate_invite) and ATS-signed widget contexts, over real HTTP
against the loopback simulators: what the recruiter sees, what lands in the suite."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from engine.paths import MAPPINGS_DIR
from engine.sync import SyncEngine
from engine.web.app import create_app
from engine.web.pages import EmbedTokens, render
from simulators.kit.faults import Faults
from simulators.serving import LoopbackServer
from simulators.world import TENANT, World

XSS = "<img src=x onerror=alert(1)>"
EMBED_SECRET = "ats-embed-secret-0123456789"


class Site:
    def __init__(self, world: World, url: str, tokens: EmbedTokens, app: dict[str, Any]) -> None:
        self.world, self.url, self.tokens, self.app = world, url, tokens, app

    def widget_url(self, app_id: Any, **extra: str) -> str:
        token = self.tokens.issue(TENANT, "candidate_invite", str(app_id))
        query = urlencode({"token": token, **extra})
        return f"{self.url}/embed/{TENANT}/candidate_invite/{app_id}?{query}"

    def invitations(self) -> list[dict[str, Any]]:
        return [self.world.company.invitations[i] for i in self.world.company.invitations]


def _world_with_an_application(world: World) -> dict[str, Any]:
    job = world.greenhouse.create_job(name="Data Engineer", status="open")
    runtime = world.runtime()
    asyncio.run(SyncEngine(runtime.tenant(TENANT), runtime.engine).run(["jobs_to_projects"]))
    return world.greenhouse.create_application(
        job_id=job["id"],
        candidate={"first_name": "Ada", "last_name": XSS, "email": "ada@example.com"},
    )


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with World(tmp_path) as world:
        app = _world_with_an_application(world)
        tokens = EmbedTokens.from_secret(world.key.encode())
        with LoopbackServer(create_app(world.runtime(), worker=False)) as server:
            yield Site(world, server.url, tokens, app)


def test_the_invite_button_asks_then_invites_and_says_so(site: Site) -> None:
    app_id = site.app["id"]
    first = httpx.get(site.widget_url(app_id))
    assert first.status_code == 200
    assert "Ada &lt;img src=x onerror=alert(1)&gt;" in first.text and XSS not in first.text
    assert "has not been invited" in first.text and "Data Engineer" in first.text
    assert 'href="' in first.text and "confirm=1" in first.text and "<form" not in first.text
    asking = httpx.get(site.widget_url(app_id, confirm="1"))
    assert "Send this candidate the invitation" in asking.text and 'method="post"' in asking.text
    assert site.invitations() == []  # asking sends nothing

    pressed = httpx.post(site.widget_url(app_id))
    assert pressed.status_code == 303 and "notice=done" in pressed.headers["location"]
    done = httpx.get(site.url + pressed.headers["location"])
    assert done.status_code == 200 and "The invitation is on its way" in done.text
    assert 'class="badge">invited<' in done.text
    (invitation,) = site.invitations()
    assert invitation["external_id"] == str(app_id) and invitation["status"] == "invited"
    candidate = site.world.company.candidates[invitation["candidate_id"]]
    assert candidate["last_name"] == XSS  # stored as given, rendered inert

    again = httpx.post(site.widget_url(app_id))
    assert again.status_code == 200 and "nothing was sent again" in again.text
    assert len(site.invitations()) == 1


def test_a_double_click_sends_one_invitation(site: Site) -> None:
    async def twice() -> list[httpx.Response]:
        async with httpx.AsyncClient() as client:
            url = site.widget_url(site.app["id"])
            return list(await asyncio.gather(client.post(url), client.post(url)))

    answers = asyncio.run(twice())
    assert sorted(a.status_code for a in answers) == [200, 303]
    assert len(site.invitations()) == 1


def test_a_record_that_does_not_qualify_is_refused_with_the_reason(site: Site) -> None:
    site.world.greenhouse.update_application(site.app["id"], status="rejected")
    refused = httpx.post(site.widget_url(site.app["id"]))
    assert refused.status_code == 409 and "does not qualify" in refused.text
    assert site.invitations() == []


def test_a_post_from_another_origin_is_refused(site: Site) -> None:
    forged = httpx.post(site.widget_url(site.app["id"]), headers={"Origin": "https://evil.test"})
    assert forged.status_code == 403 and "own page" in forged.text
    assert site.invitations() == []
    no_token = httpx.post(f"{site.url}/embed/{TENANT}/candidate_invite/{site.app['id']}")
    assert no_token.status_code == 401
    assert site.invitations() == []


def test_a_post_from_our_own_page_is_accepted_and_a_cross_site_one_is_not(site: Site) -> None:
    cross = httpx.post(site.widget_url(site.app["id"]), headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403 and site.invitations() == []  # no Origin, but not ours
    own = httpx.post(
        site.widget_url(site.app["id"]),
        headers={"Origin": site.url, "Sec-Fetch-Site": "same-origin"},
    )
    assert own.status_code == 303 and len(site.invitations()) == 1


def test_the_url_cannot_claim_an_invitation_was_sent(site: Site) -> None:
    spoof = httpx.get(site.widget_url(site.app["id"], notice="done"))
    assert spoof.status_code == 200 and "on its way" not in spoof.text
    assert "has not been invited" in spoof.text


def test_a_widget_without_a_button_refuses_a_post(site: Site) -> None:
    job_id = str(site.app["job_id"])  # linked, so the widget itself exists
    token = site.tokens.issue(TENANT, "job_questions", job_id)
    assert httpx.get(f"{site.url}/embed/{TENANT}/job_questions/{job_id}?token={token}").is_success
    answer = httpx.post(f"{site.url}/embed/{TENANT}/job_questions/{job_id}?token={token}")
    assert answer.status_code == 405 and "no button" in answer.text


def test_when_the_suite_fails_nothing_is_lost_and_the_page_says_why(site: Site) -> None:
    site.world.suite.faults.set(Faults(error_rate=1.0))
    failed = httpx.post(site.widget_url(site.app["id"]), timeout=60)
    assert failed.status_code == 502 and "Nothing was sent" in failed.text
    assert 'role="alert"' in failed.text
    site.world.suite.faults.reset()
    retried = httpx.post(site.widget_url(site.app["id"]))
    assert retried.status_code == 303 and len(site.invitations()) == 1


# --- an ATS that signs the widget's context ------------------------------------------


def _signed(params: dict[str, str], secret: str = EMBED_SECRET) -> dict[str, str]:
    text = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    return {
        **params,
        "signature": hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest(),
    }


@pytest.fixture
def signing_site(tmp_path: Path) -> Iterator[Site]:
    mappings = tmp_path / "mappings"
    shutil.copytree(MAPPINGS_DIR, mappings)
    spec = mappings / "ats" / "greenhouse.yaml"
    text = spec.read_text(encoding="utf-8").replace(
        "\nsecrets:\n", "\nsecrets:\n  embed_secret:\n    description: Signs widget URLs\n", 1
    )
    text += (
        '\nembed_context:\n  secret: "{{ secrets.embed_secret }}"\n'
        "  ids: {application: application_id, job: job_id}\n  max_age: 2m\n"
    )
    spec.write_text(text, encoding="utf-8")
    with World(tmp_path / "world") as world:
        config = world.config_path.read_text(encoding="utf-8")
        config = config.replace(
            "    secrets:\n", f"    secrets:\n      embed_secret: {EMBED_SECRET}\n"
        )
        world.config_path.write_text(f"mappings: {mappings}\n{config}", encoding="utf-8")
        app = _world_with_an_application(world)
        tokens = EmbedTokens.from_secret(world.key.encode())
        with LoopbackServer(create_app(world.runtime(), worker=False)) as server:
            yield Site(world, server.url, tokens, app)


@pytest.mark.parametrize(
    ("case", "status", "says"),
    [("good", 200, "has not been invited"), ("altered", 401, "does not match"),
     ("old", 401, "expired"), ("future", 401, "in the future"),
     ("other record", 403, "another record"), ("wrong secret", 401, "does not match"),
     ("unsigned", 401, "neither a token nor a signature")],
)  # fmt: skip
def test_an_ats_signed_context_authorises_a_widget(
    case: str, status: int, says: str, signing_site: Site
) -> None:
    app_id = str(signing_site.app["id"])
    now = int(time.time())
    params = {
        "good": _signed({"application_id": app_id, "timestamp": str(now), "user": "7"}),
        "altered": {**_signed({"application_id": app_id, "timestamp": str(now)}), "user": "8"},
        "old": _signed({"application_id": app_id, "timestamp": str(now - 600)}),
        "future": _signed({"application_id": app_id, "timestamp": str(now + 600)}),
        "other record": _signed({"application_id": "1", "timestamp": str(now)}),
        "wrong secret": _signed({"application_id": app_id, "timestamp": str(now)}, "nope"),
        "unsigned": {"application_id": app_id, "timestamp": str(now)},
    }[case]
    page = httpx.get(
        f"{signing_site.url}/embed/{TENANT}/candidate_invite/{app_id}",
        params={**params, "mode": "popup"},
    )
    assert page.status_code == status and says in page.text


def test_a_signed_context_can_press_the_button_and_tokens_still_work(signing_site: Site) -> None:
    app_id = str(signing_site.app["id"])
    params = _signed({"application_id": app_id, "timestamp": str(int(time.time()))})
    url = f"{signing_site.url}/embed/{TENANT}/candidate_invite/{app_id}?{urlencode(params)}"
    pressed = httpx.post(url)
    assert pressed.status_code == 303
    done = httpx.get(signing_site.url + pressed.headers["location"])
    assert done.status_code == 200 and "on its way" in done.text  # notice= is not signed
    assert len(signing_site.invitations()) == 1
    assert httpx.get(signing_site.widget_url(app_id)).status_code == 200


def test_a_link_from_the_suite_that_is_not_http_is_not_made_a_link() -> None:
    for url, shown in [("javascript:alert(document.domain)", False), (" JaVaScRiPt:x", False),
                       ("data:text/html,<script>1</script>", False),
                       ("https://suite.example/app/invitations/i_1", True)]:  # fmt: skip
        page = render(
            "candidate_interview.html",
            {"invitation": {"status": "completed", "answers_url": url}, "responses": [1]},
        )
        assert ("Watch the recorded answers" in page) is shown, url
        assert "javascript:" not in page.lower() and "data:" not in page
