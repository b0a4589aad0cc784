"""The declarative HTTP client: a spec's resources, listed, read and written.

    async with ApiClient.for_spec(spec, tenant="acme", secrets=..., tokens=store) as api:
        async for job in api.list("job", since=cursor):
            ...
        project = await api.create("project", {"name": "Engineer"})

Lists stream page by page in constant memory. Every request goes through the
``Transport`` (``engine.client.transport``): authenticated, paced, retried on transient
failures, limited in time, and sent only to the spec's hosts.
"""

from __future__ import annotations

import builtins
import functools
import ssl
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any
from urllib.parse import quote

import httpx
import jinja2

from engine.client.auth import AuthContext, AuthStrategy, make_auth
from engine.client.pacing import Pacer
from engine.client.paginators import PageRequest, Paginator, make_paginator
from engine.client.redact import Redactor
from engine.client.transport import Transport, excerpt
from engine.dsl import model
from engine.dsl.expressions import Template
from engine.dsl.spec import AtsSpec, SuiteSpec
from engine.errors import ConnectorError, PaginationError, UpstreamError
from engine.store.tokens import TokenStore

DEFAULT_METHODS = {
    "list": "GET",
    "get": "GET",
    "create": "POST",
    "update": "PATCH",
    "delete": "DELETE",
}


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The certificate-verifying TLS context every client shares. Loading the CA bundle
    costs tens of milliseconds of CPU, which each new client paid again before."""
    return httpx.create_ssl_context()


class ApiClient:
    def __init__(
        self,
        *,
        name: str,
        connection: model.Connection,
        resources: Mapping[str, model.Resource],
        tenant: str,
        secrets: Mapping[str, str],
        tokens: TokenStore | None = None,
        auth: model.Auth | None = None,
        urls: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: bool = True,
    ) -> None:
        self.name = name
        self.connection = connection
        self.resources = resources
        self.tenant = tenant
        self.secrets = dict(secrets)
        self.redactor = Redactor(self.secrets.values())
        urls = {k: v for k, v in (urls or {}).items() if v}
        spec_base = self.render(connection.base_url).rstrip("/")
        self.base_url = (urls.pop("base_url", None) or spec_base).rstrip("/")
        timeouts = connection.timeouts
        self.timeout = float(timeouts.total)
        self.http = httpx.AsyncClient(
            timeout=httpx.Timeout(float(timeouts.read), connect=float(timeouts.connect)),
            follow_redirects=False,
            transport=transport,
            verify=tls_context() if verify else False,
            limits=httpx.Limits(max_connections=max(connection.rate_limit.max_concurrency, 4) * 2),
        )
        ctx = AuthContext(
            tenant, name, self.render, self.http, tokens, self.redactor, urls,
            rebase=_rebaser(spec_base, self.base_url),
        )  # fmt: skip
        self.auth: AuthStrategy = make_auth(auth or connection.auth, ctx)
        self.transport = Transport(
            name=name, tenant=tenant, base_url=self.base_url, http=self.http, auth=self.auth,
            pacer=Pacer(connection.rate_limit), retry=connection.retry, timeout=self.timeout,
            headers={key: self.render(value) for key, value in connection.headers.items()},
            redactor=self.redactor,
        )  # fmt: skip

    @classmethod
    def for_spec(cls, spec: AtsSpec | SuiteSpec, **kwargs: Any) -> ApiClient:
        return cls(name=spec.name, connection=spec.connection, resources=spec.resources, **kwargs)

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    # --- resource operations ----------------------------------------------------------

    async def list(
        self,
        resource: str,
        *,
        params: Mapping[str, Any] | None = None,
        since: str | None = None,
        parent_id: Any = None,
    ) -> AsyncIterator[dict[str, Any]]:
        async for page in self.pages(resource, params=params, since=since, parent_id=parent_id):
            for record in page:
                yield record

    async def pages(
        self,
        resource: str,
        *,
        params: Mapping[str, Any] | None = None,
        since: str | None = None,
        parent_id: Any = None,
    ) -> AsyncIterator[builtins.list[dict[str, Any]]]:
        """Each page's records in turn; only one page is held at a time."""
        spec = self._resource(resource)
        endpoint = self._endpoint(resource, "list")
        query = dict(params or {})
        if since is not None and spec.incremental is not None:
            query[spec.incremental.param] = self.render(spec.incremental.value, since=since)
        request = self._page_request(endpoint, "list", query=query, parent_id=parent_id)
        paginator: Paginator = make_paginator(endpoint.pagination or self.connection.pagination)
        request = paginator.first(request)
        seen: dict[str, int] = {}
        for number in range(1, paginator.max_pages + 2):
            if number > paginator.max_pages:
                raise PaginationError(
                    f"more than {paginator.max_pages} pages: stopped by the page limit",
                    tenant=self.tenant, resource=resource,
                )  # fmt: skip
            key = request.key()
            if key in seen:
                raise PaginationError(
                    f"pagination would loop: page {number} asks for the same page as "
                    f"page {seen[key]}",
                    tenant=self.tenant, resource=resource,
                )  # fmt: skip
            seen[key] = number
            response = await self.request(
                request.method, request.url, params=request.params, json=request.json,
                resource=resource,
            )  # fmt: skip
            body = self._json(response, resource)
            records = endpoint.records.search(body) if endpoint.records else body
            if records is None:  # an answer without its records is broken, not empty: a
                where = endpoint.records.source if endpoint.records else "its top level"
                raise UpstreamError(  # lookup that took it for empty would create twice
                    f"the answer holds no list of records at {where!r}",
                    tenant=self.tenant, resource=resource,
                )  # fmt: skip
            if not isinstance(records, list):
                raise UpstreamError(
                    f"expected a list of records, got {type(records).__name__}",
                    tenant=self.tenant, resource=resource,
                )  # fmt: skip
            yield records
            following = paginator.next(request, response, body, len(records))
            if following is None:
                return
            request = following

    async def get(self, resource: str, id: Any, *, parent_id: Any = None) -> dict[str, Any] | None:
        """The record, or None when the API says it does not exist (404, or no match)."""
        endpoint = self._endpoint(resource, "get")
        request = self._page_request(endpoint, "get", id=id, parent_id=parent_id)
        response = await self.request(
            request.method, request.url, params=request.params, json=request.json,
            resource=resource, id=id, allow=(404,),
        )  # fmt: skip
        if response.status_code == 404:
            return None
        record = _one(endpoint, self._json(response, resource))
        return record if isinstance(record, dict) else None

    async def create(
        self, resource: str, record: Mapping[str, Any], *, parent_id: Any = None
    ) -> dict[str, Any]:
        return await self._write(resource, "create", record, parent_id=parent_id)

    async def update(self, resource: str, id: Any, record: Mapping[str, Any]) -> dict[str, Any]:
        return await self._write(resource, "update", record, id=id)

    async def delete(self, resource: str, id: Any) -> bool:
        """True when deleted, False when it was already gone."""
        endpoint = self._endpoint(resource, "delete")
        request = self._page_request(endpoint, "delete", id=id)
        response = await self.request(
            request.method, request.url, params=request.params, resource=resource, id=id,
            allow=(404, 410),
        )  # fmt: skip
        return response.status_code not in (404, 410)

    async def action(
        self, resource: str, name: str, id: Any, record: Mapping[str, Any] | None = None
    ) -> Any:
        endpoint = self._resource(resource).actions.get(name)
        if endpoint is None:
            raise ConnectorError(
                f"resource {resource!r} has no action {name!r}", tenant=self.tenant
            )
        request = self._page_request(endpoint, "create", id=id, record=record or {})
        response = await self.request(
            request.method, request.url, params=request.params, json=request.json,
            resource=resource, id=id,
        )  # fmt: skip
        return self._json(response, resource, empty_ok=True)

    async def _write(
        self, resource: str, op: str, record: Mapping[str, Any], *, id: Any = None,
        parent_id: Any = None,
    ) -> dict[str, Any]:  # fmt: skip
        endpoint = self._endpoint(resource, op)
        request = self._page_request(endpoint, op, id=id, parent_id=parent_id, record=record)
        response = await self.request(
            request.method, request.url, params=request.params, json=request.json,
            resource=resource, id=id,
        )  # fmt: skip
        written = _one(endpoint, self._json(response, resource, empty_ok=True))
        return written if isinstance(written, dict) else {}

    # --- requests ---------------------------------------------------------------------

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        resource: str | None = None,
        id: Any = None,
        allow: tuple[int, ...] = (),
    ) -> httpx.Response:
        """Send through the transport (auth, pacing, retries, the host check); raise on
        error statuses other than those in ``allow``."""
        return await self.transport.request(
            method, url, params=params, json=json, resource=resource, id=id, allow=allow
        )

    def _json(self, response: httpx.Response, resource: str, *, empty_ok: bool = False) -> Any:
        if empty_ok and not response.content.strip():
            return None
        try:
            return response.json()
        except ValueError:
            raise UpstreamError(
                f"answer is not JSON: {self.redactor(excerpt(response))}",
                status=response.status_code, resource=resource,
            ) from None  # fmt: skip

    # --- spec plumbing ----------------------------------------------------------------

    def _resource(self, name: str) -> model.Resource:
        try:
            return self.resources[name]
        except KeyError:
            raise ConnectorError(f"{self.name} has no resource {name!r}") from None

    def _endpoint(self, resource: str, op: str) -> model.Endpoint:
        endpoint = getattr(self._resource(resource).endpoints, op)
        if endpoint is None:
            raise ConnectorError(f"{self.name} resource {resource!r} cannot {op}")
        return endpoint  # type: ignore[no-any-return]

    def _page_request(
        self,
        endpoint: model.Endpoint,
        op: str,
        *,
        id: Any = None,
        parent_id: Any = None,
        query: Mapping[str, Any] | None = None,
        record: Mapping[str, Any] | None = None,
    ) -> PageRequest:
        # ids and record values come from outside: quote them so they cannot change the path
        path_vars = {
            "id": _quoted(id),
            "parent_id": _quoted(parent_id),
            "params": dict(query or {}),
            "record": {k: _quoted(v) for k, v in (record or {}).items()},
        }
        path = self.render(endpoint.path, **path_vars)
        template_vars = {"id": id, "parent_id": parent_id, "params": dict(query or {}),
                         "record": dict(record or {})}  # fmt: skip
        params: dict[str, Any] = {
            k: [self.render(t, **template_vars) for t in v] if isinstance(v, tuple)
            else self.render(v, **template_vars)
            for k, v in endpoint.params.items()
        }  # fmt: skip
        params.update({k: str(v) for k, v in (query or {}).items()})
        body = None
        if endpoint.body is not None:
            body = endpoint.body.search({"record": record, "id": id, "params": dict(query or {}),
                                         "secrets": self.secrets})  # fmt: skip
        elif record is not None and op in ("create", "update"):
            body = dict(record)
        method = endpoint.method or DEFAULT_METHODS[op]
        return PageRequest(method, self.base_url + path, params, body)

    def render(self, template: Template, **extra: Any) -> str:
        try:
            return template.render(secrets=self.secrets, tenant=self.tenant, **extra)
        except jinja2.UndefinedError as exc:
            raise ConnectorError(
                f"cannot render {template.source!r}: {exc.message}; is every secret configured?",
                tenant=self.tenant,
            ) from None


def _quoted(value: Any) -> Any:
    """A value for a path: a scalar quoted so it stays one segment; None and containers
    as they are (a template that puts them in a path fails at render)."""
    if value is None or isinstance(value, dict | list):
        return value
    return quote(str(value), safe="")


def _rebaser(spec_base: str, base: str) -> Callable[[str], str]:
    """URLs on the spec's API origin (such as a token endpoint) follow a base_url
    override to the new origin; URLs on other hosts stay where they are."""
    old, new = httpx.URL(spec_base), httpx.URL(base)
    old_origin = f"{old.scheme}://{old.netloc.decode()}"
    new_origin = f"{new.scheme}://{new.netloc.decode()}"

    def rebase(url: str) -> str:
        if old_origin != new_origin and (url == old_origin or url.startswith(old_origin + "/")):
            return new_origin + url[len(old_origin) :]
        return url

    return rebase


def _one(endpoint: model.Endpoint, body: Any) -> Any:
    return endpoint.record.search(body) if endpoint.record and body is not None else body
