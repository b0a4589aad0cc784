"""Embeddable widgets and quick-setup links: suite data shown inside the ATS.

``/embed/{tenant}/{widget}/{ats_id}?token=…`` renders a widget from ``ui_templates/``
for a record the equivalence table links to the suite. The token is signed, expires
(10 minutes by default) and is bound to the tenant, the widget and the id, so a URL
cannot be reused for another record or company. Every answer carries
``Content-Security-Policy: frame-ancestors`` with the tenant's allowed ATS origins.

``/links/{tenant}/{entity}/{ats_id}`` redirects to the suite's page for the matching
record, where the suite's own SSO signs the user in.
"""

from __future__ import annotations

import hmac
import html
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from starlette.responses import HTMLResponse

from engine.dsl.spec import EmbedContext
from engine.paths import TEMPLATES_DIR
from engine.signing import DEFAULT_TTL, EmbedTokens, TokenError

__all__ = ["DEFAULT_TTL", "EmbedTokens", "TokenError"]  # where they were first, for callers
from engine.web.signatures import SignatureError, decode, unix_time

CONSENT = "oauth-start"  # the "widget" of a consent start link
OWN_PARAMS = frozenset({"token", "mode", "notice", "confirm"})  # never part of an ATS signature
CLOCK_SKEW = 60  # seconds an ATS clock may run ahead of ours


def check_context(
    spec: EmbedContext,
    secret: str,
    params: list[tuple[str, str]],
    entity: str,
    ats_id: str,
    *,
    now: float | None = None,
) -> None:
    """Check an ATS-signed widget context: the HMAC, its age, and that it names this record.

    The signed text is every query parameter except the signature and Connector's own
    (``token``, ``mode``, ``notice``, ``confirm``), sorted by name, as ``name=value``
    joined with ``&``, e.g. ``application_id=9001&timestamp=1700000000&user_id=42``.
    """
    values = dict(params)
    if len(values) != len(params):
        raise TokenError("this link is not valid: a parameter is given twice")
    signature = values.pop(spec.signature, "")
    if not signature:
        raise TokenError("this link is not valid: it carries neither a token nor a signature")
    signed = "&".join(f"{k}={v}" for k, v in sorted(values.items()) if k not in OWN_PARAMS)
    expected = hmac.new(secret.encode(), signed.encode(), spec.algorithm).digest()
    given = decode(signature.replace(" ", "+"), spec.encoding)  # a query's + reads as space
    if not secret or not hmac.compare_digest(given, expected):
        raise TokenError("this link is not valid: its signature does not match")
    try:
        age = (now or time.time()) - unix_time(values.get(spec.timestamp, ""))
    except SignatureError:
        raise TokenError("this link is not valid: its timestamp is missing or malformed") from None
    if age > spec.max_age:
        raise TokenError("this link has expired: open it again from the ATS")
    if age < -CLOCK_SKEW:
        raise TokenError("this link is not valid: it was signed in the future")
    id_param = spec.ids.get(entity)
    if id_param is None or values.get(id_param) != str(ats_id):
        raise TokenError("this link was made for another record", status=403)


def headers(origins: tuple[str, ...]) -> dict[str, str]:
    """What every page of the frontend carries: who may frame it, no caching, no sniffing,
    and no token-bearing URL passed on to another site (``no-referrer`` would make the
    browser send ``Origin: null`` with a widget's own form post)."""
    return {
        "Content-Security-Policy": frame_ancestors(origins),
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }


def message_page(
    title: str, message: str, status: int, origins: tuple[str, ...] = ()
) -> HTMLResponse:
    """A short page saying what went wrong (or right), escaped, with ``headers``."""
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8><title>"
        f"{html.escape(title)}</title><main style='font:15px system-ui;margin:1rem'>"
        f"<h1 style='font-size:1.1rem'>{html.escape(title)}</h1><p>{html.escape(message)}</p></main></html>"
    )
    return HTMLResponse(body, status_code=status, headers=headers(origins))


def web_url(value: Any) -> str:
    """``value`` if it is an http(s) URL, else nothing: a ``javascript:`` or ``data:``
    link from an API never becomes a link on a page."""
    text = str(value or "").strip()
    return text if urlsplit(text).scheme.lower() in ("http", "https") else ""


def frame_ancestors(origins: tuple[str, ...]) -> str:
    """The CSP that lets only the tenant's ATS pages frame Connector's pages."""
    allowed = " ".join(origins) if origins else "'none'"
    return f"frame-ancestors {allowed}; default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'"


_pages = ImmutableSandboxedEnvironment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
    autoescape=True,
    undefined=jinja2.ChainableUndefined,  # a missing field shows as nothing, not an error
)
_pages.filters["web_url"] = web_url


def render(template: str, context: Mapping[str, Any]) -> str:
    """A widget page, autoescaped in a sandbox: data from the suite is never markup."""
    return _pages.get_template(template).render(**context)


class TTLCache:
    """Suite answers kept a few seconds, so a page with many widgets asks the suite once."""

    def __init__(self, ttl: float = 30.0, size: int = 2048, on_lookup: Any = None) -> None:
        self.ttl, self.size = ttl, size
        self.items: dict[tuple[Any, ...], tuple[float, Any]] = {}
        self.hits = self.misses = 0
        self.on_lookup = on_lookup  # called with "hit" or "miss", for metrics

    def get(self, key: tuple[Any, ...]) -> Any:
        found = self.items.get(key)
        if found is not None and time.monotonic() - found[0] < self.ttl:
            self.hits += 1
            if self.on_lookup:
                self.on_lookup("hit")
            return found[1]
        self.misses += 1
        if self.on_lookup:
            self.on_lookup("miss")
        return None

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        if len(self.items) >= self.size:
            for stale in sorted(self.items, key=lambda k: self.items[k][0])[: self.size // 4]:
                del self.items[stale]
        self.items[key] = (time.monotonic(), value)
