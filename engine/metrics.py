"""Prometheus metrics of one Connector process, served at ``/metrics``.

A registry per app rather than the library's global one, so that several apps (tests,
the demo) never share counters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.received = Counter(
            "connector_webhooks_received", "Webhook requests by outcome (accepted, duplicate, "
            "ignored, handshake, refused).", ["tenant", "route", "outcome"], registry=self.registry,
        )  # fmt: skip
        self.processed = Counter(
            "connector_events_processed",
            "Inbox events applied.",
            ["tenant"],
            registry=self.registry,
        )
        self.failed = Counter(
            "connector_events_failed",
            "Inbox event attempts that failed.",
            ["tenant"],
            registry=self.registry,
        )
        self.deferred = Counter(
            "connector_events_deferred",
            "Inbox event attempts put off because the other side was unavailable.",
            ["tenant"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "connector_sync_seconds", "Time to apply one inbox event through the sync engine.",
            ["tenant"], registry=self.registry,
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )  # fmt: skip
        self.embed_cache = Counter(
            "connector_embed_cache", "Suite data asked for by widgets, by cache result (hit, miss).",
            ["result"], registry=self.registry,
        )  # fmt: skip
        self.depth = Gauge(
            "connector_inbox_events", "Inbox events by status.", ["status"], registry=self.registry
        )
        self._depth_source: Callable[[], Mapping[str, int]] | None = None

    def watch_depth(self, source: Callable[[], Mapping[str, int]]) -> None:
        self._depth_source = source

    def render(self) -> bytes:
        if self._depth_source is not None:
            depth = self._depth_source()
            for status in ("pending", "processing", "done", "dead"):
                self.depth.labels(status).set(depth.get(status, 0))
        return bytes(generate_latest(self.registry))
