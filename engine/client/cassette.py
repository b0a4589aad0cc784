"""Recorded HTTP exchanges: ``connector record`` saves an API's real answers, ``connector
replay`` serves them back so a spec runs offline.

A cassette is a JSON file: the URLs the recording ran against and one entry per
exchange, in order::

    {"version": 1, "spec": "lever", "urls": {"base_url": "https://api.lever.co/v1"},
     "exchanges": [{"method": "GET", "url": "https://api.lever.co/v1/postings?limit=100",
                    "status": 200, "content_type": "application/json", "body": "{...}"}]}

Nothing secret is kept: request headers (where the credentials travel) are not stored,
request bodies neither, the tenant's secret values are rewritten in URLs and answers
(``Scrubber``), and token fields of an answer (``access_token``, ``refresh_token``,
``id_token``) are replaced.

    recorder = RecordingTransport(httpx.AsyncHTTPTransport(), tenant_secrets)
    ...                                  # run requests through it
    Cassette("lever", urls, recorder.exchanges).save(path)

    replay = ReplayTransport(Cassette.load(path))   # an unrecorded request: 599 + why
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from engine.client.redact import MIN_LENGTH
from engine.errors import ConnectorError

VERSION = 1
TOKEN_FIELDS = ("access_token", "refresh_token", "id_token")
UNRECORDED = 599  # not a status any API sends: the replay's own "no such recording"


class CassetteError(ConnectorError):
    """A cassette file that cannot be read."""


def request_key(method: str, url: httpx.URL | str) -> str:
    """``GET https://host/path?a=1&b=2``, with the query sorted, so that the order a
    client writes parameters in does not matter."""
    parsed = httpx.URL(str(url))
    query: list[tuple[str, str | int | float | bool | None]] = sorted(parsed.params.multi_items())
    base = parsed.copy_with(query=None, fragment=None)
    return f"{method.upper()} {base.copy_merge_params(query) if query else base}"


@dataclass
class Exchange:
    method: str
    url: str
    status: int
    content_type: str
    body: str

    @property
    def key(self) -> str:
        return request_key(self.method, self.url)


@dataclass
class Cassette:
    spec: str
    urls: dict[str, str]
    exchanges: list[Exchange] = field(default_factory=list)

    def save(self, path: Path) -> None:
        data = {"version": VERSION, "spec": self.spec, "urls": self.urls,
                "exchanges": [vars(e) for e in self.exchanges]}  # fmt: skip
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Cassette:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CassetteError(f"cannot read the recording {path}: {exc.strerror}") from None
        except ValueError as exc:
            raise CassetteError(f"{path} is not a recording (not JSON: {exc})") from None
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise CassetteError(
                f"{path} is not a version {VERSION} recording of `connector record`"
            )
        try:
            exchanges = [Exchange(**entry) for entry in data["exchanges"]]
            return cls(str(data["spec"]), dict(data["urls"]), exchanges)
        except (KeyError, TypeError) as exc:
            raise CassetteError(f"{path}: a malformed recording ({exc})") from None


class Scrubber:
    """Replaces each secret value with ``replay-{name}``, the value ``connector replay``
    gives that secret, so a URL the spec renders from a secret (an API key in the query)
    is the same at replay. JSON answers are rewritten value by value (their numbers and
    structure untouched), token fields wholesale. A secret made only of digits (an
    account or user id) stays: answers carry it as data, and it opens nothing."""

    def __init__(self, secrets: Mapping[str, str]) -> None:
        self.names = {value: f"replay-{name}" for name, value in secrets.items()
                      if len(value) >= MIN_LENGTH and not value.isdigit()}  # fmt: skip
        ordered = sorted(self.names, key=len, reverse=True)
        self.pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def text(self, text: str) -> str:
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda m: self.names[m.group(0)], text)

    def value(self, value: Any, key: str = "") -> Any:
        if key in TOKEN_FIELDS:
            return f"recorded-{key}"
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {k: self.value(v, k) for k, v in value.items()}
        return value

    def body(self, body: str, content_type: str) -> str:
        if "json" in content_type:
            try:
                return json.dumps(self.value(json.loads(body)), ensure_ascii=False)
            except ValueError:
                pass
        return self.text(body)


class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes every request on to ``inner`` and keeps the exchange, scrubbed."""

    def __init__(self, inner: httpx.AsyncBaseTransport, secrets: Mapping[str, str]) -> None:
        self.inner = inner
        self.scrub = Scrubber(secrets)
        self.exchanges: list[Exchange] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        await response.aclose()
        kind = response.headers.get("content-type", "")
        body = self.scrub.body(content.decode("utf-8", "replace"), kind)
        url = self.scrub.text(str(request.url))
        self.exchanges.append(Exchange(request.method, url, response.status_code, kind, body))
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-encoding"}
        headers.pop("content-length", None)
        return httpx.Response(response.status_code, headers=headers, content=content,
                              request=request)  # fmt: skip

    async def aclose(self) -> None:
        await self.inner.aclose()


class ReplayTransport(httpx.AsyncBaseTransport):
    """Answers each request with its recording: the same method and URL (query in any
    order), in the order they were recorded when one was made several times. A request
    never recorded gets status 599 and a body that names it and the recorded ones."""

    def __init__(self, cassette: Cassette) -> None:
        self.cassette = cassette
        self.queues: dict[str, list[Exchange]] = {}
        for exchange in cassette.exchanges:
            self.queues.setdefault(exchange.key, []).append(exchange)
        self.served: dict[str, int] = {}
        self.unrecorded: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = request_key(request.method, request.url)
        queue = self.queues.get(key)
        if not queue:
            self.unrecorded.append(key)
            known = ", ".join(sorted(self.queues)[:5])
            text = f"no recording of {key}; recorded: {known}"
            return httpx.Response(UNRECORDED, text=text, request=request)
        count = self.served.get(key, 0)
        self.served[key] = count + 1
        exchange = queue[min(count, len(queue) - 1)]  # the last answer again, once used up
        headers = {"content-type": exchange.content_type} if exchange.content_type else {}
        return httpx.Response(exchange.status, headers=headers, text=exchange.body,
                              request=request)  # fmt: skip
