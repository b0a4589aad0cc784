"""The widgets in a real browser: framed by an ATS page on another origin, clicked,
refused where the origin is not allowed, inert with hostile data, and the quick-setup
link through the suite's SSO to the project page."""

from __future__ import annotations

import hashlib
import hmac
import html
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from simulators.world import TENANT
from tests.browser.conftest import XSS, Stage


def _host_page(title: str, frames: dict[str, str], extra: str = "") -> str:
    iframes = "".join(
        f'<h2>{html.escape(name)}</h2><iframe id="{name}" title="{html.escape(name)}" '
        f'src="{html.escape(src)}" style="width:100%;height:260px;border:1px solid #ccc"></iframe>'
        for name, src in frames.items()
    )
    return f"<!doctype html><title>{title}</title><h1>{title}</h1>{iframes}{extra}"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 900, "height": 1200})
    tab = context.new_page()
    tab.dialogs = []  # any alert() is a script that ran
    tab.console = []
    tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    tab.on("console", lambda message: tab.console.append(message.text))
    try:
        yield tab
    finally:
        context.close()


def _frame(page: Any, name: str) -> Any:
    frame = page.frame_locator(f"iframe#{name}")
    frame.locator("main").wait_for(timeout=10_000)
    return frame


def test_each_widget_renders_suite_data_inside_the_ats_page(
    stage: Stage, page: Any, artifacts: Path
) -> None:
    r = stage.records
    stage.hosts.pages["job"] = _host_page(
        "ATS job page",
        {
            "job_questions": stage.embed("job_questions", r["job"]["id"]),
            "candidate_interview": stage.embed("candidate_interview", r["interviewed"]["id"]),
            "candidate_invite": stage.embed("candidate_invite", r["waiting"]["id"]),
        },
    )
    page.goto(f"{stage.host_url}/job")

    questions = _frame(page, "job_questions")
    items = questions.locator("ol[aria-label='Interview questions'] li")
    assert items.count() == len(r["questions"])
    for item, question in zip(items.all(), r["questions"], strict=True):
        text = item.inner_text()
        assert question["text"] in text
        assert f"{question['time_limit_seconds']} s to answer" in text
    assert r["project"]["name"] in questions.locator("h1").inner_text()

    interview = _frame(page, "candidate_interview")
    assert interview.locator(".badge").inner_text() == r["invitation"]["status"] == "completed"
    answers = interview.get_by_role("link", name="Watch the recorded answers (2)")
    suite = stage.world.suite_server.url
    assert answers.get_attribute("href") == f"{suite}/app/invitations/{r['invitation']['id']}"
    rating = interview.locator("ul[aria-label='Ratings'] li").inner_text()
    assert rating == (
        f"{r['rating']['score']}/5 by {r['rating']['evaluator_name']}: {r['rating']['comment']}"
    )

    invite = _frame(page, "candidate_invite")
    assert "Grace Hopper" in invite.locator("dl").inner_text()
    assert invite.get_by_role("button", name="Invite to the video interview").is_visible()

    for name in ("job_questions", "candidate_interview", "candidate_invite"):
        page.locator(f"iframe#{name}").screenshot(path=str(artifacts / f"{name}.png"))
        assert (artifacts / f"{name}.png").stat().st_size > 1000
    assert page.dialogs == []


def test_the_invite_button_invites_the_candidate_in_the_suite(
    stage: Stage, page: Any, artifacts: Path
) -> None:
    waiting = stage.new_application("Katherine", "Johnson")
    stage.hosts.pages["candidate"] = _host_page(
        "ATS candidate page", {"candidate_invite": stage.embed("candidate_invite", waiting["id"])}
    )
    page.goto(f"{stage.host_url}/candidate")
    invite = _frame(page, "candidate_invite")
    invite.get_by_role("button", name="Invite to the video interview").click()
    confirm = invite.get_by_role("button", name="Yes, invite to the video interview")
    assert "Send this candidate the invitation" in invite.locator("form").inner_text()
    page.locator("iframe#candidate_invite").screenshot(
        path=str(artifacts / "candidate_invite-confirm.png")
    )
    confirm.focus()  # the keyboard reaches it, and Enter presses it
    page.keyboard.press("Enter")
    status = invite.get_by_role("status")
    status.wait_for(timeout=15_000)
    assert status.inner_text() == "The invitation is on its way to the candidate."
    assert invite.locator(".badge").inner_text() == "invited"
    page.locator("iframe#candidate_invite").screenshot(
        path=str(artifacts / "candidate_invite-done.png")
    )
    company = stage.world.company
    sent = [i for i in company.invitations.values() if i["external_id"] == str(waiting["id"])]
    assert len(sent) == 1 and sent[0]["status"] == "invited"
    assert sent[0]["project_id"] == stage.records["project"]["id"]
    candidate = company.candidates[sent[0]["candidate_id"]]
    assert (candidate["first_name"], candidate["email"]) == (
        "Katherine",
        "katherine.johnson@example.com",
    )


def test_an_origin_that_is_not_allowed_cannot_frame_a_widget(stage: Stage, page: Any) -> None:
    url = stage.embed("job_questions", stage.records["job"]["id"])
    stage.hosts.pages["elsewhere"] = _host_page("Not the ATS", {"job_questions": url})
    page.goto(f"{stage.other_url}/elsewhere")
    page.wait_for_timeout(500)
    frame = next(f for f in page.frames if f != page.main_frame)
    assert "Interview questions" not in frame.content()  # Chromium showed nothing of ours
    assert any("frame-ancestors" in line and "blocked" in line for line in page.console), (
        page.console
    )
    page.goto(f"{stage.host_url}/elsewhere")  # the same page on the allowed origin works
    assert _frame(page, "job_questions").locator("ol li").count() == 2


def test_a_hostile_candidate_name_is_shown_as_text_and_runs_nothing(
    stage: Stage, page: Any
) -> None:
    r = stage.records
    stage.hosts.pages["hostile"] = _host_page(
        "Hostile data",
        {
            "candidate_interview": stage.embed("candidate_interview", r["interviewed"]["id"]),
            "candidate_invite": stage.embed("candidate_invite", r["interviewed"]["id"], "popup"),
        },
    )
    page.goto(f"{stage.host_url}/hostile")
    for name in ("candidate_interview", "candidate_invite"):
        frame = _frame(page, name)
        assert XSS in frame.locator("main").inner_text()  # the name, as text
        assert frame.locator("img").count() == 0  # no element was made of it
    page.wait_for_timeout(300)
    assert page.dialogs == []
    direct = page.context.new_page()  # the link/popup mode, opened on its own
    direct.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    direct.goto(stage.embed("candidate_interview", r["interviewed"]["id"], "link"))
    assert XSS in direct.locator("main").inner_text() and direct.locator("img").count() == 0
    assert page.dialogs == []


def test_a_widget_fits_a_narrow_frame_and_popup_mode_shares_the_template(
    stage: Stage, page: Any, artifacts: Path
) -> None:
    r = stage.records
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(stage.embed("job_questions", r["job"]["id"], "popup"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320  # nothing overflows sideways
    assert page.locator("body.popup ol li").count() == 2
    page.screenshot(path=str(artifacts / "job_questions-popup-narrow.png"))


def test_a_quick_setup_link_goes_through_the_suite_sso_to_the_project(
    stage: Stage, page: Any
) -> None:
    r = stage.records
    link = f"{stage.engine_url}/links/{TENANT}/job/{r['job']['id']}"
    stage.hosts.pages["links"] = (
        f'<!doctype html><title>ATS</title><a id="open" href="{html.escape(link)}">'
        "Open in the video interview suite</a>"
    )
    page.goto(f"{stage.host_url}/links")
    page.get_by_role("link", name="Open in the video interview suite").click()
    page.wait_for_url(f"{stage.world.suite_server.url}/sso/login**")
    page.get_by_label("Email").fill("admin@acme.example")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{stage.world.suite_server.url}/app/projects/{r['project']['id']}")
    body = page.locator("body").inner_text()
    assert r["project"]["name"] in body
    assert all(q["text"] in body for q in r["questions"])


CONTRAST = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  let worst = 21, where = "";
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < worst) { worst = ratio; where = el.tagName + ": " + el.textContent.trim().slice(0, 40); }
  }
  return [worst, where];
}"""


@pytest.mark.parametrize("widget", ["job_questions", "candidate_interview", "candidate_invite"])
def test_widgets_meet_contrast_and_work_from_the_keyboard(
    stage: Stage, page: Any, widget: str
) -> None:
    r = stage.records
    record = {"job_questions": r["job"], "candidate_interview": r["interviewed"]}.get(widget)
    record = record or stage.new_application("Dorothy", f"Vaughan {widget}")  # with its button
    page.goto(stage.embed(widget, record["id"]))
    worst, where = page.evaluate(CONTRAST)
    assert worst >= 4.5, f"contrast {worst:.2f} below WCAG AA at {where}"
    assert page.locator("html").get_attribute("lang") == "en" and page.title()
    for control in page.locator("a, button").all():  # every control has a name
        assert control.inner_text().strip() or control.get_attribute("aria-label")
    if page.locator("a, button").count():
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.tagName")
        assert focused in ("A", "BUTTON")
        if widget == "candidate_invite":
            assert page.evaluate("document.activeElement.textContent") == (
                "Invite to the video interview"
            )
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"  # the focus can be seen


def test_the_admin_page_in_a_browser(
    stage: Stage, page: Any, artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):  # signed Greenhouse webhooks, stored in the inbox (no worker here)
        raw = json.dumps({"action": "job_created", "payload": {"job": {"id": n}}}).encode()
        signed = hmac.new(stage.world.hook_secret.encode(), raw, hashlib.sha256).hexdigest()
        answer = httpx.post(
            f"{stage.engine_url}/hooks/{TENANT}/greenhouse",
            content=raw,
            headers={"Signature": f"sha256 {signed}", "Greenhouse-Event-ID": f"browser-{n}"},
        )
        assert answer.status_code == 200
    monkeypatch.setenv("CONNECTOR_ADMIN_TOKEN", "admin-" + "x" * 32)
    page.goto(f"{stage.engine_url}/admin?token=admin-{'x' * 32}")
    assert page.url == f"{stage.engine_url}/admin"  # the token left the address bar
    assert "3 received" in (page.locator("svg desc").first.text_content() or "")
    assert "trigger sync" in page.locator("main").inner_text()  # not a widget's button run
    job_id = str(stage.records["job"]["id"])
    page.get_by_label("Search").fill(job_id)
    page.keyboard.press("Enter")
    page.wait_for_url("**q=**")
    assert job_id in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts / "admin.png"), full_page=True)
    cookie = next(c for c in page.context.cookies() if c["name"] == "connector_admin")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "None"
