"""The browser side: the simulated IdP's sign-in page, and the pages deep links open.

    GET  /sso/login?next=/app/projects/prj_1    a form asking for an email
    POST /sso/login  email=ada@acme.test&next=/app/projects/prj_1
         302 Location: /app/projects/prj_1, Set-Cookie: suite_session=…; HttpOnly; SameSite=None; Secure
    GET  /app/projects/prj_1                    the project and its questions

Anyone who is a user of some company can sign in by email. ``next`` must be a path on
this site, so the sign-in cannot be used as an open redirect. A record of a company the
signed-in person does not belong to is a 404, as if it did not exist.
"""

from __future__ import annotations

import hashlib
import hmac
from html import escape
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from simulators.kit.table import Record
from simulators.suite.company import Company
from simulators.suite.http import FormError, read_form
from simulators.suite.records import CANDIDATE, INVITATION, PROJECT, Kind
from simulators.suite.state import SuiteState

COOKIE = "suite_session"
STYLE = "body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}"


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title><style>{STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status)


def session_of(request: Request) -> str | None:
    return request.cookies.get(COOKIE)


def csrf_token(sim: SuiteState, session: str) -> str:
    return hmac.new(sim.secret, session.encode(), hashlib.sha256).hexdigest()[:32]


def login_redirect(request: Request) -> Response:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/sso/login?next={quote(here, safe='')}", status_code=302)


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else ``/``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return "/"
    return target


def hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'


async def login(request: Request) -> Response:
    sim: SuiteState = request.app.state.sim
    target = safe_next(request.query_params.get("next"))
    error = ""
    if request.method == "POST":
        try:
            form = await read_form(request)
        except FormError as exc:
            return page("Bad request", f"<p>{escape(str(exc))}</p>", 400)
        target = safe_next(form.get("next"))
        session = sim.sign_in(form.get("email", "").strip())
        if session is not None:
            response = RedirectResponse(target, status_code=302)
            secure = request.url.scheme == "https"
            response.set_cookie(
                COOKIE,
                session,
                httponly=True,
                secure=secure,
                # Browsers refuse SameSite=None without Secure, so plain http falls back to Lax.
                samesite="none" if secure else "lax",
                path="/",
            )
            return response
        error = '<p role="alert">No user has that email.</p>'
    form_html = (
        f'{error}<form method="post" action="/sso/login">{hidden("next", target)}'
        '<label>Email <input type="email" name="email" required autofocus></label> '
        '<button type="submit">Sign in</button></form>'
    )
    return page("Sign in to Video Interview Suite", form_html, 401 if error else 200)


async def home(request: Request) -> Response:
    sim: SuiteState = request.app.state.sim
    members = sim.memberships(session_of(request))
    if not members:
        return page("Video Interview Suite", '<p><a href="/sso/login">Sign in</a></p>')
    names = ", ".join(escape(sim.company(cid).name) for cid in members)
    return page("Video Interview Suite", f"<p>Signed in to {names}.</p>")


def deep_link(kind: Kind) -> Route:
    async def endpoint(request: Request) -> Response:
        sim: SuiteState = request.app.state.sim
        members = sim.memberships(session_of(request))
        if not members:
            return login_redirect(request)
        record_id = request.path_params["id"]
        with sim.lock:
            for company_id in members:
                company = sim.company(company_id)
                record = company.table(kind).get(record_id)
                if record is not None:
                    return RENDER[kind.name](company, record)
        return page("Not found", f"<p>There is no {kind.name} {escape(record_id)}.</p>", 404)

    return Route(f"/app/{kind.plural}/{{id}}", endpoint, methods=["GET"])


def _facts(pairs: list[tuple[str, object]]) -> str:
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v or ''))}</dd>" for k, v in pairs)
    return f"<dl>{rows}</dl>"


def _project(company: Company, record: Record) -> Response:
    questions = sorted(company.questions.find("project_id", record["id"]), key=_position)
    items = "".join(
        f'<li data-id="{q["id"]}">{escape(q["text"])} ({q["time_limit_seconds"]} s,'
        f" {q['thinking_time_seconds']} s to think)</li>"
        for q in questions
    )
    facts = _facts([("Status", record["status"]), ("Description", record["description"])])
    return page(record["name"], f"{facts}<h2>Questions</h2><ol>{items}</ol>")


def _candidate(company: Company, record: Record) -> Response:
    name = " ".join(filter(None, (record["first_name"], record["last_name"]))) or record["email"]
    invitations = company.invitations.find("candidate_id", record["id"])
    items = "".join(
        f"<li>{escape(_name(company.projects.get(i['project_id'])))}: {escape(i['status'])}</li>"
        for i in invitations
    )
    facts = _facts([("Email", record["email"]), ("Phone", record["phone"])])
    return page(name, f"{facts}<h2>Invitations</h2><ul>{items}</ul>")


def _invitation(company: Company, record: Record) -> Response:
    candidate = company.candidates.get(record["candidate_id"]) or {}
    project = company.projects.get(record["project_id"])
    responses = company.responses.find("invitation_id", record["id"])
    items = "".join(
        f'<li><a href="{escape(r["video_url"])}">answer to {escape(r["question_id"])}</a>'
        f" ({r['duration_seconds']} s)</li>"
        for r in responses
    )
    facts = _facts(
        [
            ("Candidate", candidate.get("email", record["candidate_id"])),
            ("Project", _name(project)),
            ("Status", record["status"]),
            ("Completed", record["completed_at"]),
        ]
    )
    return page(f"Invitation {record['id']}", f"{facts}<h2>Answers</h2><ul>{items}</ul>")


def _name(record: Record | None) -> str:
    return str(record["name"]) if record else "(deleted)"


def _position(question: Record) -> int:
    return int(question["position"])


RENDER = {"project": _project, "candidate": _candidate, "invitation": _invitation}


def routes() -> list[Route]:
    return [
        Route("/", home, methods=["GET"]),
        Route("/sso/login", login, methods=["GET", "POST"]),
        *(deep_link(kind) for kind in (PROJECT, CANDIDATE, INVITATION)),
    ]
