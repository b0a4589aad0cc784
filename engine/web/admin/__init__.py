"""The admin page, ``/admin``: each tenant's health at a glance, for an operator.

Per tenant it shows the stored tokens, the last sync run, the inbox depth, dead
letters (each with a Retry button), the newest errors, and the events of the last
24 hours as server-drawn SVG bars; below, the equivalence table with a search box.
Everything is rendered on the server (no JavaScript, no external assets).

It is off unless ``CONNECTOR_ADMIN_TOKEN`` is set (404 otherwise). The token is given
as ``Authorization: Bearer …`` or, once, as ``?token=…``; either sets the cookie
``connector_admin``, which holds an expiring HMAC of the token, never the token. A
Retry is a POST that also needs a CSRF token derived from the admin token by HMAC.
Every answer forbids framing and caching.

    routes = admin_routes(runtime, Inbox(runtime.engine))  # GET /admin, POST .../retry

The parts: ``keys`` (the token, the session cookie, CSRF), ``view`` (what the page
shows, from ``engine.store.reports``), ``chart`` (the SVG bars) and ``routes``.
"""

from engine.web.admin.keys import COOKIE, SESSION_TTL, TOKEN_ENV, AdminKeys, admin_token
from engine.web.admin.routes import admin_routes

__all__ = ["COOKIE", "SESSION_TTL", "TOKEN_ENV", "AdminKeys", "admin_routes", "admin_token"]
