"""An in-process Transport for unit tests: a function answers each request, no sockets.

    transport = FakeTransport(lambda request: FakeResponse.json(200, {"kind": "ConfigMap"}))
    client = Client(ClientConfig(server="http://fake"), transport=transport, clock=FakeClock())

`transport.requests` records everything sent, so a test can assert on retries, headers
and bodies. A handler may raise TransportError to play a broken network, and a
FakeResponse may carry a list of lines to play a watch stream.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import orjson

from pyk8s.client.transport import HTTPRequest, HTTPResponse


class FakeResponse:
    def __init__(
        self, status: int, body: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> None:
        self.status = status
        self.body = body
        self.headers: Mapping[str, str] = dict(headers or {})
        self.closed = False

    @classmethod
    def json(
        cls, status: int, document: Any, headers: Mapping[str, str] | None = None
    ) -> FakeResponse:
        return cls(status, orjson.dumps(document), headers)

    @classmethod
    def stream(cls, events: list[dict[str, Any]]) -> FakeResponse:
        """A 200 watch response whose body is one JSON event per line."""
        return cls(200, b"".join(orjson.dumps(event) + b"\n" for event in events))

    async def read(self) -> bytes:
        return self.body

    async def lines(self) -> AsyncIterator[bytes]:
        for line in self.body.splitlines(keepends=True):
            yield line

    def close(self) -> None:
        self.closed = True


class FakeTransport:
    def __init__(self, handler: Callable[[HTTPRequest], HTTPResponse]) -> None:
        self.handler = handler
        self.requests: list[HTTPRequest] = []

    async def send(self, request: HTTPRequest) -> HTTPResponse:
        self.requests.append(request)
        return self.handler(request)

    async def close(self) -> None:
        pass
