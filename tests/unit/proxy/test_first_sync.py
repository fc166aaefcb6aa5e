"""A (re)starting proxy syncs as soon as its three informers have listed, even when the last
one to list finds nothing (no Node object for it yet): an empty list calls no handler, so
without its own request the first rules would wait a whole --iptables-sync-period.

The informers are real and list through an in-process API (no sockets) that answers each
resource only when the test lets it, so the order of the lists is fixed; time is a FakeClock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import orjson

from pyk8s.client.clock import FakeClock
from pyk8s.client.config import ClientConfig
from pyk8s.client.fake import FakeResponse
from pyk8s.client.rest import Client
from pyk8s.client.transport import HTTPRequest
from pyk8s.proxy.server import ProxyServer, ServerOptions
from tests.unit.proxy.builders import endpoint, endpoint_slice, port, service, slice_port
from tests.unit.proxy.test_proxier import RecordingApplier

MIN_SYNC_PERIOD, SYNC_PERIOD = 1.0, 30.0


class OpenWatch(FakeResponse):
    """A watch that stays open and quiet, as one does while nothing changes."""

    def __init__(self) -> None:
        super().__init__(200)

    async def lines(self) -> AsyncIterator[bytes]:
        await asyncio.Event().wait()
        yield b""  # never reached; makes this an async generator


class GatedApi:
    """Answers each resource's LIST only once the test opens its gate."""

    def __init__(self, items: dict[str, list[dict]]) -> None:
        self.items = items
        self.gates = {resource: asyncio.Event() for resource in items}

    async def send(self, request: HTTPRequest) -> FakeResponse:
        url = urlsplit(request.url)
        if request.method == "POST":  # the proxy's own Events
            return FakeResponse.json(201, orjson.loads(request.body or b"{}"))
        if "watch=true" in url.query:
            return OpenWatch()
        resource = url.path.rsplit("/", 1)[-1]
        await self.gates[resource].wait()
        listing = {"metadata": {"resourceVersion": "7"}, "items": self.items[resource]}
        return FakeResponse.json(200, listing)

    async def close(self) -> None:
        pass


class ScriptedIptables(RecordingApplier):
    async def save(self) -> dict:
        return {}


async def settle() -> None:
    for _ in range(100):
        await asyncio.sleep(0)


async def test_the_first_sync_comes_once_the_last_informer_lists_nothing() -> None:
    api = GatedApi({
        "services": [service("web", "10.96.0.10", [port(80, "http")])],
        "endpointslices": [
            endpoint_slice("web", [endpoint("10.244.0.2")], [slice_port(80, "http")])
        ],
        "nodes": [],  # lists last, and empty
    })  # fmt: skip
    clock = FakeClock()
    client = Client(ClientConfig(server="http://fake", qps=1000, burst=1000), transport=api,
                    clock=clock)  # fmt: skip
    iptables = ScriptedIptables()
    options = ServerOptions(node_name="node-a", min_sync_period=MIN_SYNC_PERIOD,
                            sync_period=SYNC_PERIOD, healthz_bind_address="")  # fmt: skip
    server = ProxyServer(client, options, iptables=iptables, node_addresses=("192.168.1.5",),
                         clock=clock)  # fmt: skip
    await server.start()
    sync_loop = asyncio.create_task(server.proxier.run())
    try:
        api.gates["services"].set()
        api.gates["endpointslices"].set()
        await settle()
        clock.advance(MIN_SYNC_PERIOD)
        await settle()
        assert iptables.applied == [], "nothing is applied before every informer has listed"

        api.gates["nodes"].set()
        await settle()
        clock.advance(MIN_SYNC_PERIOD)  # far less than SYNC_PERIOD
        await settle()
        assert len(iptables.applied) == 1
        assert "10.96.0.10" in iptables.applied[0] and "10.244.0.2:80" in iptables.applied[0]
        assert server.proxier.healthy()
    finally:
        sync_loop.cancel()
        await asyncio.gather(sync_loop, return_exceptions=True)
        await server.stop()
