"""The request loop around httpx: what every call to an API goes through, whatever the
resource.

    transport = Transport(name="greenhouse", tenant="acme", base_url="https://harvest.example",
                          http=httpx.AsyncClient(follow_redirects=False), auth=auth,
                          pacer=Pacer(connection.rate_limit), retry=connection.retry,
                          timeout=60.0, headers={}, redactor=Redactor(secrets))
    response = await transport.request("GET", "https://harvest.example/v1/jobs/12",
                                       resource="job", id=12, allow=(404,))

Each attempt is authenticated, paced and limited in time. A 401 refreshes the
credentials once; transient failures are retried with backoff (or after Retry-After);
redirects are followed by hand, to the base URL's scheme, host and port only; any other
error status raises ``UpstreamError`` with the secrets redacted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import httpx

from engine.client.auth import AuthStrategy
from engine.client.pacing import Pacer, backoff, retry_after
from engine.client.redact import Redactor
from engine.dsl import model
from engine.errors import Unreachable, UnsafeRequest, UpstreamError

log = logging.getLogger("connector.http")

MAX_REDIRECTS = 5
NEVER_RETRIED = frozenset(range(400, 500)) - {408, 429}
# A POST may have been processed before an error came back: retrying it could create
# twice. Only answers that say "not processed", and connections never made, are safe.
UNPROCESSED = frozenset({408, 429, 503})
UNSENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class Transport:
    """Sends requests to one API for one tenant: auth, pacing, retries, the host check."""

    def __init__(
        self,
        *,
        name: str,
        tenant: str,
        base_url: str,
        http: httpx.AsyncClient,
        auth: AuthStrategy,
        pacer: Pacer,
        retry: model.Retry,
        timeout: float,
        headers: Mapping[str, str],
        redactor: Redactor,
    ) -> None:
        self.name = name
        self.tenant = tenant
        self.base_url = base_url
        self.http = http
        self.auth = auth
        self.pacer = pacer
        self.retry = retry
        self.timeout = timeout
        self.headers = dict(headers)
        self.redactor = redactor

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
        """Send with auth, pacing, retries and the host check; raise on error statuses
        other than those in ``allow``."""
        idempotent = method.upper() != "POST"
        context = {"tenant": self.tenant, "resource": resource, "id": id}
        refreshed = False
        attempt = 0
        while True:
            try:
                response = await self._send(method, url, params, json)
            except (httpx.TransportError, TimeoutError) as exc:
                where = f"{method} {self.redactor(str(httpx.URL(url).copy_with(query=None)))}"
                self._give_up_unless_retryable(exc, attempt, idempotent, where, context)
                await self._backoff(attempt)
                attempt += 1
                continue
            status = response.status_code
            if status == 401 and not refreshed:
                refreshed = True
                if await self.auth.refresh(response.request):
                    continue
            if status < 400 or status in allow:
                return response
            if self._retryable(status, idempotent) and attempt + 1 < self.retry.max_attempts:
                wait = retry_after(response) if status in (429, 503) else None
                if wait is not None:
                    self.pacer.pause(wait)
                else:
                    await self._backoff(attempt)
                attempt += 1
                continue
            raise UpstreamError(
                f"{method} {self.redactor(str(response.request.url.copy_with(query=None)))} "
                f"answered {status}: {self.redactor(excerpt(response))}",
                status=status, **context,
            )  # fmt: skip

    def _give_up_unless_retryable(
        self, exc: Exception, attempt: int, idempotent: bool, where: str, context: dict[str, Any]
    ) -> None:
        """Raise when a request that never got an answer must not be sent again: the
        attempts are spent, or it was a POST that may have reached the server."""
        unsafe = not (idempotent or isinstance(exc, UNSENT))
        if attempt + 1 >= self.retry.max_attempts or unsafe:
            why = " (a POST is not retried: it may have been processed)" if unsafe else ""
            raise Unreachable(
                f"{self.name} unreachable after {attempt + 1} attempts: "
                f"{type(exc).__name__} on {where}{why}",
                **context,
            ) from None

    def _retryable(self, status: int, idempotent: bool) -> bool:
        retryable = status in self.retry.statuses and status not in NEVER_RETRIED
        return retryable and (idempotent or status in UNPROCESSED)

    async def _backoff(self, attempt: int) -> None:
        await asyncio.sleep(backoff(attempt, self.retry.backoff, self.retry.max_backoff))

    async def _send(
        self, method: str, url: str, params: Mapping[str, Any] | None, json: Any
    ) -> httpx.Response:
        """One attempt: the request and the redirects it leads to, each checked."""
        target = httpx.URL(url)
        if params:
            target = target.copy_merge_params(dict(params))
        self.check_host(target)
        request = self.http.build_request(method, target, json=json, headers=self.headers)
        for _ in range(MAX_REDIRECTS + 1):
            await self.auth.apply(request)
            async with self.pacer, asyncio.timeout(self.timeout):
                response = await self.http.send(request)
                await response.aread()
            self.pacer.observe(response)
            log.debug("%s %s -> %s", method, self.redactor(str(request.url)), response.status_code)
            if not response.is_redirect:
                return response
            location = response.headers.get("Location", "")
            target = request.url.join(location)
            self.check_host(target)
            keep = response.status_code in (307, 308)
            if not keep and method.upper() != "GET":
                # replaying a write as a GET would report success for a change never made
                raise UpstreamError(
                    f"{method} answered {response.status_code} (a redirect); refusing to "
                    "replay a write as a read",
                    status=response.status_code, tenant=self.tenant,
                )  # fmt: skip
            request = self.http.build_request(
                method if keep else "GET", target, json=json if keep else None, headers=self.headers
            )
        raise UpstreamError(f"more than {MAX_REDIRECTS} redirects", tenant=self.tenant)

    def check_host(self, url: httpx.URL) -> None:
        """Only the base URL's scheme, host and port: never another host, never a
        downgrade from https to http (which would send credentials in the clear)."""
        base = httpx.URL(self.base_url)
        if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port):
            raise UnsafeRequest(
                f"refused a request to {url.scheme}://{url.host}"
                f"{':' + str(url.port) if url.port else ''}: {self.name} may only be called at "
                f"{base.scheme}://{base.host}{':' + str(base.port) if base.port else ''}",
                tenant=self.tenant,
            )


def excerpt(response: httpx.Response, limit: int = 300) -> str:
    """The start of an answer's body on one line, for an error message."""
    text = response.text.strip().replace("\n", " ")
    return text[:limit] + ("…" if len(text) > limit else "") or "(empty body)"
