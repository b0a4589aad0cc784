"""The admin page over real HTTPS: the app of ``connector serve`` on uvicorn, a World of
simulators, an SQLite file, a real sync and real webhooks that fail into dead letters."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import secrets
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from engine.commands.serve import self_signed
from engine.store.inbox import MAX_ATTEMPTS, Inbox
from engine.store.links import LinkStore
from engine.store.tables import inbox as inbox_table
from engine.sync.engine import SyncEngine
from engine.tenants import Runtime
from engine.web.admin import COOKIE, SESSION_TTL, TOKEN_ENV, AdminKeys
from engine.web.app import create_app
from engine.web.pages import frame_ancestors
from engine.work.worker import Worker
from simulators.serving import LoopbackServer
from simulators.world import TENANT, World

TOKEN = "admin-" + secrets.token_urlsafe(24)
XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
SVG_NS = "{http://www.w3.org/2000/svg}"


@dataclass
class Site:
    world: World
    runtime: Runtime
    inbox: Inbox
    url: str

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, verify=False)

    @contextmanager
    def signed_in(self) -> Iterator[httpx.Client]:
        """A browser that opened /admin?token=… once and now holds the cookie."""
        with self.client() as client:
            first = client.get("/admin", params={"token": TOKEN})
            assert first.status_code == 303, first.text
            yield client

    def webhook(self, event_id: str, job: dict[str, object]) -> None:
        raw = json.dumps({"action": "job_created", "payload": {"job": job}}).encode()
        signature = hmac.new(self.world.hook_secret.encode(), raw, hashlib.sha256).hexdigest()
        answer = httpx.post(
            f"{self.url}/hooks/{TENANT}/greenhouse",
            content=raw,
            verify=False,
            headers={"Signature": f"sha256 {signature}", "Greenhouse-Event-ID": event_id},
        )
        assert answer.status_code == 200, answer.text

    def work(self) -> None:
        """Run the inbox through a real worker until nothing is due, however far ahead."""
        worker = Worker(self.runtime, self.inbox, name="admin-test")
        for _ in range(MAX_ATTEMPTS + 2):
            asyncio.run(worker.run_once(now=time.time() + 10**6))

    def status(self, event_id: int) -> tuple[str, int]:
        with self.runtime.engine.connect() as conn:
            row = conn.execute(
                select(inbox_table.c.status, inbox_table.c.attempts).where(
                    inbox_table.c.id == event_id
                )
            ).one()
        return row.status, row.attempts


def _sync(runtime: Runtime) -> dict[str, int]:
    engine = SyncEngine(runtime.tenant(TENANT), runtime.engine)
    return asyncio.run(engine.run(full=True)).counts


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with World(tmp_path) as world:
        for i in range(4):
            world.greenhouse.create_job(name=f"Engineer {i}", status="open")
        runtime = world.runtime(env={TOKEN_ENV: TOKEN})
        counts = _sync(runtime)
        assert counts["created"] >= 4 and counts["failed"] == 0
        app = create_app(runtime, worker=False)
        cert, key = self_signed(tmp_path / "certs", "127.0.0.1")
        with LoopbackServer(app, ssl_certfile=str(cert), ssl_keyfile=str(key)) as server:
            yield Site(world, runtime, app.state.inbox, server.url)


def _dead_letter(site: Site) -> int:
    """A Greenhouse webhook that names no job: every attempt fails until it is dead."""
    site.webhook("broken-1", {"name": "no id here"})
    site.work()
    [event] = site.inbox.list(TENANT, "dead")
    assert "carries no record id" in (event.last_error or "")
    assert event.attempts == MAX_ATTEMPTS
    return event.id


def _csrf(page: str, event_id: int) -> str:
    found = re.search(
        rf'action="/admin/inbox/{event_id}/retry">\s*<input type="hidden" name="csrf" '
        r'value="([0-9a-f]{64})"',
        page,
    )
    assert found, f"no Retry form for event {event_id}"
    return found.group(1)


def _protected(response: httpx.Response) -> None:
    assert response.headers["content-security-policy"] == frame_ancestors(())
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"


def _bars(page: str) -> dict[str, list[int]]:
    """The counts drawn in the tenant's chart, read from the SVG as XML."""
    svg = re.search(r"<svg .*?</svg>", page, re.S)
    assert svg, "no chart"
    root = ET.fromstring(svg.group(0))
    bars: dict[str, list[int]] = {"received": [], "failed": []}
    for rect in root.iter(f"{SVG_NS}rect"):
        assert float(rect.get("height", "0")) > 0 and rect.find(f"{SVG_NS}title") is not None
        bars[rect.get("data-kind", "")].append(int(rect.get("data-count", "0")))
    return bars


def test_without_a_token_configured_the_page_is_off_and_says_how_to_turn_it_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    with World(tmp_path) as world:
        runtime = world.runtime()  # no env given: the process environment is read
        with (
            LoopbackServer(create_app(runtime, worker=False)) as server,
            httpx.Client(base_url=server.url) as client,
        ):
            for response in (
                client.get("/admin"),
                client.get("/admin", params={"token": "anything"}),
                client.get("/admin", headers={"Authorization": "Bearer anything"}),
                client.post("/admin/inbox/1/retry", data={"csrf": "x"}),
            ):
                assert response.status_code == 404
                assert f"set the environment variable {TOKEN_ENV}" in response.text
                assert "set-cookie" not in response.headers
                _protected(response)
            # set where Connector runs, it is read on the next request
            monkeypatch.setenv(TOKEN_ENV, TOKEN)
            opened = client.get("/admin", headers={"Authorization": f"Bearer {TOKEN}"})
            assert opened.status_code == 200 and "Equivalence table" in opened.text


def test_a_missing_or_wrong_token_gets_401_and_no_data(site: Site) -> None:
    company_ids = {link.suite_id for link in LinkStore(site.runtime.engine, TENANT).all()}
    stale = AdminKeys(TOKEN).session(time.time() - SESSION_TTL - 60)
    other = AdminKeys("another-token-entirely").session(time.time())
    with site.client() as client:
        answers = [
            client.get("/admin"),
            client.get("/admin", headers={"Authorization": "Bearer wrong"}),
            client.get("/admin", headers={"Authorization": f"Bearer {TOKEN}x"}),
            client.get("/admin", params={"token": TOKEN[:-1]}),
            client.get("/admin", headers={"Cookie": f"{COOKIE}={TOKEN}"}),  # the token is no cookie
            client.get("/admin", headers={"Cookie": f"{COOKIE}={stale}"}),
            client.get("/admin", headers={"Cookie": f"{COOKIE}={other}"}),
        ]
    for response in answers:
        assert response.status_code == 401, response.request
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "set-cookie" not in response.headers
        assert "Dead letters" not in response.text
        assert not any(suite_id in response.text for suite_id in company_ids)
        _protected(response)
    assert "needs the admin token" in answers[0].text
    assert "wrong" in answers[1].text

    # a valid cookie does not rescue an explicitly wrong token
    with site.signed_in() as client:
        assert client.get("/admin").status_code == 200
        assert client.get("/admin", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_the_right_token_opens_the_page_and_leaves_an_hmac_cookie(site: Site) -> None:
    with site.client() as client:
        by_header = client.get("/admin", headers={"Authorization": f"Bearer {TOKEN}"})
        assert by_header.status_code == 200 and "<h1>Connector admin</h1>" in by_header.text
        _protected(by_header)

        first = client.get("/admin", params={"token": TOKEN, "q": "user"})
        assert first.status_code == 303
        assert first.headers["location"] == "/admin?q=user"  # the token leaves the address bar
        _protected(first)
        for response in (by_header, first):
            [cookie] = response.headers.get_list("set-cookie")
            name_value, *attributes = [part.strip() for part in cookie.split(";")]
            name, value = name_value.split("=", 1)
            assert name == COOKIE
            assert TOKEN not in cookie and value != TOKEN
            assert AdminKeys(TOKEN).session_ok(value, time.time())
            assert {"HttpOnly", "Secure", "SameSite=None", "Partitioned", "Path=/admin"} <= set(
                attributes
            )
            assert f"Max-Age={SESSION_TTL}" in attributes
            assert TOKEN not in response.text

        # later navigation needs nothing but the cookie the browser now holds
        later = client.get("/admin", params={"q": "user"})
        assert later.status_code == 200 and "Links matching" in later.text
        assert "set-cookie" not in later.headers
        _protected(later)
        # every admin answer carries the headers, a wrong method too
        wrong_method = client.get("/admin/inbox/1/retry")
        assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"
        _protected(wrong_method)


def test_the_page_shows_each_tenants_status_run_errors_and_an_svg_chart(site: Site) -> None:
    # the suite refuses a candidate without an email: record failures, a partial run
    job = site.world.greenhouse.create_job(name="Support", status="open")
    app = site.world.greenhouse.create_application(
        job_id=job["id"], candidate={"first_name": "No", "last_name": "Email"}
    )
    site.world.greenhouse.set_stage(app["id"], stage_name="Video Interview")
    assert _sync(site.runtime)["failed"] >= 1
    for n in range(3):  # three events that work, then one that fails for good
        job = site.world.greenhouse.create_job(name=f"Hooked {n}", status="open")
        site.webhook(f"ok-{n}", {"id": job["id"]})
    dead = _dead_letter(site)
    assert site.inbox.depth() == {"done": 3, "dead": 1}

    with site.signed_in() as client:
        page = client.get("/admin").text

    assert "Tenant acme" in page and "greenhouse (setup: ideal)" in page
    assert re.search(r'class="badge good">connected</span>\s*greenhouse \(until', page)
    assert 'data-pending="0">0 pending' in page and "1 dead" in page
    # the last sync run, from sync_runs
    assert re.search(r"#2, trigger sync, full,\s*<span class=\"badge bad\">partial</span>", page)
    assert "still running" not in page
    # dead letters, each with a keyboard-reachable Retry button
    assert f'<button type="submit" aria-label="Retry event {dead}">Retry</button>' in page
    # recent errors: the record the suite refused, the partial run and the dead event
    errors = page.split("<h3>Recent errors</h3>", 1)[1].split("</table>", 1)[0]
    assert "email" in errors and "is required" in errors
    assert "<td>sync run</td>" in errors and "<td>record</td>" in errors
    assert f"event {dead} job_created (dead, {MAX_ATTEMPTS} attempt(s))" in errors
    assert errors.count("<tr>") - 1 <= 20  # the header row, then the newest 20 at most
    # the equivalence table holds every link the sync made
    for link in LinkStore(site.runtime.engine, TENANT).all():
        assert f"<code>{link.suite_id}</code>" in page
    # the chart: inline SVG bars for the 4 events received, 1 of them failed
    bars = _bars(page)
    assert sum(bars["received"]) == 4 and sum(bars["failed"]) == 1
    assert "In the last 24 hours: 4 received, 1 failed" in page
    # nothing runs or loads from elsewhere: the CSP would refuse it anyway
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def test_retry_puts_a_dead_letter_back_in_the_queue(site: Site) -> None:
    dead = _dead_letter(site)
    with site.signed_in() as client:
        page = client.get("/admin").text
        token = _csrf(page, dead)
        assert token == AdminKeys(TOKEN).csrf and TOKEN not in page

        retried = client.post(f"/admin/inbox/{dead}/retry", data={"csrf": token})
        assert (
            retried.status_code == 303 and retried.headers["location"] == f"/admin?retried={dead}"
        )
        _protected(retried)
        assert site.status(dead) == ("pending", 0)
        assert site.inbox.depth() == {"pending": 1}

        after = client.get(retried.headers["location"]).text
        assert f"Event {dead} is queued again." in after
        assert f"/admin/inbox/{dead}/retry" not in after  # no longer a dead letter
        assert 'data-pending="1">1 pending' in after

        again = client.post(f"/admin/inbox/{dead}/retry", data={"csrf": token})
        assert again.status_code == 409 and "not a dead letter" in again.text
        missing = client.post("/admin/inbox/987654/retry", data={"csrf": token})
        assert missing.status_code == 404

    # a script with the token in a header needs no cookie, but still the CSRF token
    site.work()
    assert site.status(dead) == ("dead", MAX_ATTEMPTS)  # it failed again, as it must
    with site.client() as script:
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        answer = script.post(f"/admin/inbox/{dead}/retry", data={"csrf": token}, headers=bearer)
        assert answer.status_code == 303
    assert site.status(dead) == ("pending", 0)


def test_retry_without_the_right_csrf_token_changes_nothing(site: Site) -> None:
    dead = _dead_letter(site)
    forged = AdminKeys("another-token-entirely").csrf
    with site.signed_in() as client:
        right = _csrf(client.get("/admin").text, dead)
        for form in ({}, {"csrf": ""}, {"csrf": "0" * 64}, {"csrf": forged}, {"token": TOKEN}):
            refused = client.post(f"/admin/inbox/{dead}/retry", data=form)
            assert refused.status_code == 403 and "security token" in refused.text
            _protected(refused)
        # the right CSRF token in a JSON body or as an uploaded file is no form field
        as_json = client.post(f"/admin/inbox/{dead}/retry", json={"csrf": right})
        as_file = client.post(f"/admin/inbox/{dead}/retry", files={"csrf": ("f", right.encode())})
        for refused in (as_json, as_file):
            assert refused.status_code == 403
            _protected(refused)
    with site.client() as stranger:  # a right CSRF token is nothing without the cookie
        assert stranger.post(f"/admin/inbox/{dead}/retry", data={"csrf": right}).status_code == 401
    assert site.status(dead) == ("dead", MAX_ATTEMPTS)


def test_search_filters_the_equivalence_table_and_pages_by_100(site: Site) -> None:
    store = LinkStore(site.runtime.engine, TENANT)
    jobs = [link for link in store.all("job")]
    users = [link for link in store.all("user")]
    assert jobs and users
    for n in range(150):
        store.add("bulk", f"b-{n:03}", f"s-{n:03}", written="suite", payload={"n": n})

    def rows(page: str) -> list[list[str]]:
        table = page.split('<h2 id="links">', 1)[1]
        return [
            re.findall(r"<td>(?:<code>)?(.*?)(?:</code>)?</td>", row)
            for row in re.findall(r"<tr><td>.*?</tr>", table)
        ]

    with site.signed_in() as client:
        by_entity = rows(client.get("/admin", params={"q": "user"}).text)
        assert {r[1] for r in by_entity} == {"user"} and len(by_entity) == len(users)
        by_ats = rows(client.get("/admin", params={"q": jobs[0].ats_id}).text)
        assert [r[2] for r in by_ats] == [jobs[0].ats_id]
        by_suite = rows(client.get("/admin", params={"q": jobs[1].suite_id.upper()}).text)
        assert [r[3] for r in by_suite] == [jobs[1].suite_id]  # case does not matter
        none = client.get("/admin", params={"q": "%"}).text  # LIKE wildcards are literal
        assert rows(none) == [] and "No links match “%”." in none

        first = client.get("/admin", params={"q": "b-"})
        assert len(rows(first.text)) == 100 and "1\N{EN DASH}100 of 150" in first.text
        assert 'href="/admin?q=b-&amp;page=2#links" rel="next"' in first.text
        second = client.get("/admin", params={"q": "b-", "page": "2"}).text
        assert [r[2] for r in rows(second)] == [f"b-{n:03}" for n in range(100, 150)]
        assert "101\N{EN DASH}150 of 150" in second and 'rel="next"' not in second
        everything = client.get("/admin").text
        assert len(rows(everything)) == 100  # never more than 100 rows at once


def test_values_from_the_database_are_escaped(site: Site) -> None:
    LinkStore(site.runtime.engine, TENANT).add(
        "job", XSS, f"prj_{XSS}", written="suite", payload={}
    )
    # an event for a tenant no longer in connector.yaml: the worker dead-letters it
    site.inbox.add(XSS, "greenhouse", "x-1", f"job_created{XSS}", {"body": {}}, "ats:job:1")
    site.work()
    [dead] = site.inbox.list(XSS, "dead")
    assert XSS in (dead.last_error or "")

    with site.signed_in() as client:
        page = client.get("/admin").text
        searched = client.get("/admin", params={"q": XSS}).text
    assert XSS not in page and XSS not in searched
    assert "<script" not in page.lower() and "<script" not in searched.lower()
    assert f"Tenant {ESCAPED}" in page and "not in connector.yaml" in page
    assert f"<code>{ESCAPED}</code>" in page and f"<code>prj_{ESCAPED}</code>" in page
    assert f"<td>job_created{ESCAPED}</td>" in page
    assert f'value="{ESCAPED}"' in searched and f"Links matching “{ESCAPED}”" in searched
    assert f"<code>{ESCAPED}</code>" in searched
    # the unknown tenant's dead letter can be retried like any other
    assert _csrf(page, dead.id) == AdminKeys(TOKEN).csrf
