"""The REST client every pyk8s component uses: `request(method, path, ...)` and resources.

What a request goes through, in order:

1. the client-side rate limit (`config.qps`, `config.burst`), once per attempt;
2. authentication: a bearer token (inline or re-read from a token file) or the client
   certificate the transport presents;
3. the transport (aiohttp, or a fake in tests);
4. retries: 429 Too Many Requests is retried for every verb, after the server's Retry-After
   (the request was refused, not executed); 5xx responses and broken connections are
   retried only for idempotent verbs (GET, HEAD, PUT, DELETE), after their Retry-After or
   with exponential backoff (5 times, about 3 s in all); a connection that was never
   established is retried for every verb;
5. a non-2xx answer is raised as the typed error of pyk8s/api/errors.py built from the
   `Status` body (NotFound, Conflict, Invalid with its causes, ...).

`client.resource(group, version, plural)` returns a ResourceClient (resources.py) with
get/list/create/update/update_status/patch/delete/watch.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import orjson

from pyk8s.api.resource import Resource
from pyk8s.client.clock import Clock, RealClock
from pyk8s.client.config import ClientConfig
from pyk8s.client.ratelimit import TokenBucket
from pyk8s.client.resources import ResourceClient
from pyk8s.client.status import status_error
from pyk8s.client.transport import AiohttpTransport, HTTPRequest, HTTPResponse, Transport
from pyk8s.client.transport import TransportError as TransportError

logger = logging.getLogger("pyk8s.client")

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE"})
MAX_RETRIES = 10  # as client-go's default for Retry-After answers
DEFAULT_TIMEOUT = 60.0
BACKOFF_RETRIES = 5  # 0.1 + 0.2 + 0.4 + 0.8 + 1.6 s: about 3 s before a failure is raised
BACKOFF_BASE, BACKOFF_CAP = 0.1, 5.0


def _retry_after(response: HTTPResponse) -> int | None:
    value = response.headers.get("Retry-After")
    try:
        return max(int(value), 0) if value is not None else None
    except ValueError:
        return None


class Client:
    def __init__(
        self,
        config: ClientConfig,
        *,
        transport: Transport | None = None,
        clock: Clock | None = None,
        max_retries: int = MAX_RETRIES,
    ) -> None:
        self.config = config
        self.clock = clock or RealClock()
        self.transport = transport or AiohttpTransport(config)
        self.limiter = TokenBucket(config.qps, config.burst, self.clock)
        self.max_retries = max_retries
        self._base = config.server.rstrip("/")

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self.transport.close()

    def resource(
        self, group: str, version: str, plural: str, namespaced: bool | None = None
    ) -> ResourceClient:
        """A ResourceClient for `plural` in group/version (looked up in pyk8s.api.resource)."""
        return ResourceClient.lookup(self, group, version, plural, namespaced)

    def resource_of(self, resource: Resource) -> ResourceClient:
        """A ResourceClient for a registered pyk8s.api.resource.Resource."""
        return ResourceClient(
            self, resource.group, resource.version, resource.plural, resource.namespaced
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        content_type: str = "application/json",
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> Any:
        """Send one request (with retries) and return the decoded JSON body."""
        response = await self.send(method, path, params, body, content_type, timeout)
        data = await response.read()
        return orjson.loads(data) if data else None

    async def send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        content_type: str = "application/json",
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> HTTPResponse:
        """Send with retries; returns a 2xx response whose body is still unread (for streams)."""
        request = self._build(method, path, params, body, content_type, timeout)
        attempt = 0
        while True:
            await self.limiter.wait()
            self._authenticate(request)
            outcome = await self._attempt(request, attempt)
            if isinstance(outcome, float):
                attempt += 1
                await self.clock.sleep(outcome)
                continue
            return outcome

    async def _attempt(self, request: HTTPRequest, attempt: int) -> HTTPResponse | float:
        """The response to keep, or how long to wait before trying again."""
        retryable_verb = request.method in IDEMPOTENT
        backoff = min(BACKOFF_BASE * 2**attempt, BACKOFF_CAP)
        # The server asked us to come back (Retry-After): patience. A failure without that
        # answer may be lasting: give up sooner and let the caller's own loop decide.
        may_wait = attempt < self.max_retries
        may_back_off = attempt < min(self.max_retries, BACKOFF_RETRIES)
        try:
            response = await self.transport.send(request)
        except TransportError as error:
            if not may_back_off or (error.sent and not retryable_verb):
                raise
            logger.info("%s %s failed (%s); retrying", request.method, request.url, error)
            return backoff
        if response.status < 400:
            return response
        retry_after = _retry_after(response)
        body = await response.read()
        if response.status == 429 and may_wait:
            return float(retry_after if retry_after is not None else 1)
        if response.status >= 500 and retryable_verb:
            if retry_after is not None and may_wait:
                return float(retry_after)
            if retry_after is None and may_back_off:
                return backoff
        raise status_error(response.status, body, retry_after)

    def _build(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Any,
        content_type: str,
        timeout: float | None,
    ) -> HTTPRequest:
        url = self._base + path
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
        if query:
            url += "?" + urlencode(query)
        headers = {"Accept": "application/json", "User-Agent": self.config.user_agent}
        data: bytes | None = None
        if body is not None:
            data = body if isinstance(body, bytes) else orjson.dumps(body)
            headers["Content-Type"] = content_type
        return HTTPRequest(method, url, headers, data, timeout)

    def _authenticate(self, request: HTTPRequest) -> None:
        token = self.config.bearer_token()
        if token:
            request.headers["Authorization"] = f"Bearer {token}"


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
