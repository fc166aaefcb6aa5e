"""The seam between the REST client and the network: one method, `send(request)`.

`AiohttpTransport` is the real one (TLS from the ClientConfig, connection pooling, streaming
bodies for watches). pyk8s/client/fake.py has an in-process fake for unit tests. Anything
that goes wrong below HTTP (refused, reset, timed out) surfaces as `TransportError`, with
`sent` telling whether the request may have reached the server: a request that was never
sent can be retried whatever its verb.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import aiohttp

from pyk8s.client.config import ClientConfig


@dataclass
class HTTPRequest:
    method: str
    url: str  # absolute, query string included
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    timeout: float | None = None  # None: no limit (watches)


class HTTPResponse(Protocol):
    status: int
    headers: Mapping[str, str]

    async def read(self) -> bytes: ...

    def lines(self) -> AsyncIterator[bytes]:
        """The body, one line at a time, as it arrives; ends when the server ends it."""
        ...

    def close(self) -> None: ...


class Transport(Protocol):
    async def send(self, request: HTTPRequest) -> HTTPResponse: ...

    async def close(self) -> None: ...


class TransportError(Exception):
    def __init__(self, message: str, *, sent: bool) -> None:
        super().__init__(message)
        self.sent = sent


class _AiohttpResponse:
    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.status = response.status
        self.headers: Mapping[str, str] = response.headers

    async def read(self) -> bytes:
        try:
            return await self._response.read()
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            raise TransportError(f"reading response: {error!r}", sent=True) from error
        finally:
            self._response.release()

    async def lines(self) -> AsyncIterator[bytes]:
        try:
            while line := await self._response.content.readline():
                yield line
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            raise TransportError(f"reading stream: {error!r}", sent=True) from error

    def close(self) -> None:
        self._response.close()


class AiohttpTransport:
    def __init__(self, config: ClientConfig) -> None:
        self._config = config
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            ssl_context = self._config.ssl_context()
            connector = aiohttp.TCPConnector(ssl=ssl_context if ssl_context else False)
            # Timeouts are per request; the session must not cut long watches short.
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=None)
            )
        return self._session

    async def send(self, request: HTTPRequest) -> HTTPResponse:
        session = self._open()
        timeout = aiohttp.ClientTimeout(total=request.timeout)
        try:
            response = await session.request(
                request.method,
                request.url,
                headers=request.headers,
                data=request.body,
                timeout=timeout,
                server_hostname=self._config.tls_server_name,
            )
        except aiohttp.ClientConnectorError as error:
            raise TransportError(f"cannot connect: {error}", sent=False) from error
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            raise TransportError(f"{request.method} {request.url}: {error!r}", sent=True) from error
        return _AiohttpResponse(response)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
