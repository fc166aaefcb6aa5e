"""Accepting a streaming upgrade on an aiohttp server: SPDY/3.1 or a WebSocket subprotocol.

Clients say which protocol versions they speak: SPDY clients in one or more
`X-Stream-Protocol-Version` headers, WebSocket clients in `Sec-WebSocket-Protocol`. The
server takes the first the client offers that it also speaks, and names it in the 101
answer; with no common version it answers 403 Forbidden, as Kubernetes' handshake does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web

from pyk8s.api.errors import BadRequest, Forbidden
from pyk8s.streaming.channels import UpgradedChannel
from pyk8s.streaming.spdy_session import Session, Stream

PROTOCOL_HEADER = "X-Stream-Protocol-Version"


def wants_spdy(request: web.Request) -> bool:
    return request.headers.get("Upgrade", "").lower().startswith("spdy/")


def wants_websocket(request: web.Request) -> bool:
    return request.headers.get("Upgrade", "").lower() == "websocket"


def offered(request: web.Request, header: str) -> list[str]:
    values = []
    for value in request.headers.getall(header, []):
        values += [part.strip() for part in value.split(",") if part.strip()]
    return values


def negotiate(client: Iterable[str], server: Iterable[str]) -> str:
    client, server = list(client), list(server)
    for protocol in client:
        if protocol in server:
            return protocol
    raise Forbidden(
        f"unable to upgrade: unable to negotiate protocol: client supports {client}, "
        f"server supports {server}"
    )


async def accept_spdy(
    request: web.Request,
    supported: Iterable[str],
    on_stream: Callable[[Stream], Awaitable[None]],
) -> tuple[Session, web.StreamResponse]:
    """Answer 101 to a SPDY/3.1 upgrade; the caller runs `session.run()`, then returns the
    response to aiohttp (already sent, so aiohttp writes nothing more)."""
    if not wants_spdy(request):
        raise BadRequest("unable to upgrade: missing upgrade headers in request")
    protocol = negotiate(offered(request, PROTOCOL_HEADER), supported)
    channel = UpgradedChannel.upgrade(request)
    response = web.StreamResponse(
        status=101,
        headers={"Connection": "Upgrade", "Upgrade": "SPDY/3.1", PROTOCOL_HEADER: protocol},
    )
    response.force_close()
    await response.prepare(request)
    return Session(channel, server=True, on_stream=on_stream), response


async def accept_websocket(
    request: web.Request, supported: Iterable[str], max_msg_size: int = 0
) -> web.WebSocketResponse:
    """Answer 101 to a WebSocket upgrade, naming the agreed subprotocol."""
    protocol = negotiate(offered(request, "Sec-WebSocket-Protocol"), supported)
    ws = web.WebSocketResponse(protocols=(protocol,), max_msg_size=max_msg_size, heartbeat=None)
    await ws.prepare(request)
    return ws
