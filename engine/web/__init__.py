"""The ASGI app: webhook routes, widgets, deep links, OAuth consent and the admin page."""
