"""Widgets and quick-setup links over HTTP: tokens, CSP, escaping, the link lookup.
(Framing and clicks in a real browser come with the integration frontend's browser tests.)"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.sync.engine import SyncEngine
from engine.web.app import create_app
from engine.web.pages import EmbedTokens, TokenError
from simulators.serving import LoopbackServer
from simulators.world import TENANT, World

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[World, str, EmbedTokens, dict[str, Any]]]:
    with World(tmp_path) as world:
        job = world.greenhouse.create_job(name=f"Designer {XSS}", status="open")
        runtime = world.runtime()
        asyncio.run(SyncEngine(runtime.tenant(TENANT), runtime.engine).run(["jobs_to_projects"]))
        project = next(iter(world.company.projects.values()))
        world.company.create(
            "question", {"text": "Why design?", "time_limit_seconds": 90}, project_id=project["id"]
        )
        tokens = EmbedTokens.from_secret(world.key.encode())
        with LoopbackServer(create_app(runtime, worker=False)) as server:
            yield world, server.url, tokens, {"job": job, "project": project}


def test_a_widget_shows_the_projects_questions_escaped_with_csp(
    site: tuple[World, str, EmbedTokens, dict[str, Any]],
) -> None:
    _, url, tokens, found = site
    job_id = str(found["job"]["id"])
    token = tokens.issue(TENANT, "job_questions", job_id)
    page = httpx.get(f"{url}/embed/{TENANT}/job_questions/{job_id}", params={"token": token})
    assert page.status_code == 200
    assert "Why design?" in page.text and "90 s to answer" in page.text
    assert XSS not in page.text and "&lt;img src=x onerror=alert(1)&gt;" in page.text
    csp = page.headers["content-security-policy"]
    assert (
        csp.startswith("frame-ancestors http://127.0.0.1;")
        and "x-frame-options" not in page.headers
    )
    assert "set-cookie" not in page.headers


@pytest.mark.parametrize(
    ("case", "status", "says"),
    [("tampered", 401, "altered"), ("expired", 401, "expired"), ("other record", 403, "another record"),
     ("other tenant", 403, "another record"), ("malformed", 401, "malformed")],
)  # fmt: skip
def test_bad_tokens_get_a_clear_page(
    case: str, status: int, says: str, site: tuple[World, str, EmbedTokens, dict[str, Any]]
) -> None:
    _, url, tokens, found = site
    job_id = str(found["job"]["id"])
    issued = tokens.issue(TENANT, "job_questions", job_id)
    token = {
        "tampered": issued[:-2] + ("BB" if issued.endswith("AA") else "AA"),
        "expired": tokens.issue(TENANT, "job_questions", job_id, ttl=-1),
        "other record": tokens.issue(TENANT, "job_questions", "999"),
        "other tenant": tokens.issue("globex", "job_questions", job_id),
        "malformed": "not-a-token",
    }[case]
    page = httpx.get(f"{url}/embed/{TENANT}/job_questions/{job_id}", params={"token": token})
    assert page.status_code == status and says in page.text
    assert page.headers["content-type"].startswith("text/html")


def test_an_unsynced_record_gets_a_clear_page_not_a_500(
    site: tuple[World, str, EmbedTokens, dict[str, Any]],
) -> None:
    _, url, tokens, _ = site
    page = httpx.get(
        f"{url}/embed/{TENANT}/job_questions/424242",
        params={"token": tokens.issue(TENANT, "job_questions", "424242")},
    )
    assert page.status_code == 404 and "no video interview in the suite yet" in page.text


def test_quick_links_redirect_to_the_suite_page(
    site: tuple[World, str, EmbedTokens, dict[str, Any]],
) -> None:
    world, url, _, found = site
    answer = httpx.get(f"{url}/links/{TENANT}/job/{found['job']['id']}")
    assert answer.status_code == 302
    assert (
        answer.headers["location"]
        == f"{world.suite_server.url}/app/projects/{found['project']['id']}"
    )
    missing = httpx.get(f"{url}/links/{TENANT}/job/424242")
    assert missing.status_code == 404 and "not reached the suite yet" in missing.text


def test_embed_url_and_links_url_print_what_an_admin_pastes(
    site: tuple[World, str, EmbedTokens, dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from engine.cli import main

    world, url, _, found = site
    monkeypatch.setenv("CONNECTOR_ENCRYPTION_KEY", world.key)
    config = ["--config", str(world.config_path), "--base", url]
    assert main(["embed-url", TENANT, "job_questions", str(found["job"]["id"]), *config]) == 0
    printed = capsys.readouterr().out.strip()
    assert httpx.get(printed).status_code == 200
    assert main(["links-url", TENANT, "job", *config]) == 0
    assert capsys.readouterr().out.strip() == f"{url}/links/{TENANT}/job/{{id}}"
    assert main(["embed-url", TENANT, "nope", "1", *config]) == 2


def test_suite_data_is_cached_and_the_cache_is_in_metrics(
    site: tuple[World, str, EmbedTokens, dict[str, Any]],
) -> None:
    _, url, tokens, found = site
    job_id = str(found["job"]["id"])
    page = f"{url}/embed/{TENANT}/job_questions/{job_id}"
    for _ in range(3):  # an ATS page with the same widget three times
        assert (
            httpx.get(
                page, params={"token": tokens.issue(TENANT, "job_questions", job_id)}
            ).status_code
            == 200
        )
    text = httpx.get(f"{url}/metrics").text
    assert 'connector_embed_cache_total{result="miss"} 2.0' in text  # the project and its questions
    assert 'connector_embed_cache_total{result="hit"} 4.0' in text


def test_a_token_has_one_spelling_only() -> None:
    # base64 decoding ignores the spare low bits of a signature's last character, so
    # a checker comparing decoded bytes would take four spellings of each signature
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    tokens = EmbedTokens.from_secret(b"k" * 32)
    token = tokens.issue(TENANT, "job_questions", "7")
    tokens.check(token, TENANT, "job_questions", "7")
    last = alphabet.index(token[-1])
    for spare in range(1, 4):
        respelled = token[:-1] + alphabet[last ^ spare]  # the same bytes when decoded
        with pytest.raises(TokenError, match="altered"):
            tokens.check(respelled, TENANT, "job_questions", "7")
