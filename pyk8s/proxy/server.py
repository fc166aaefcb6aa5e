"""`pyk8s proxy`: informers for Services, EndpointSlices and this Node, feeding the Proxier.

    API server ──watch──▶ Service / EndpointSlice / Node informers
                                │ any add, update or delete
                                ▼
                         Proxier.request_sync()  (coalesced, rate-limited: proxier.py)
                                │ snapshot of the three caches
                                ▼
                  render() (rules.py) ──▶ one iptables-restore (iptables.py)

The handlers do nothing but ask for a sync: every sync renders the whole state from the
caches, so no event can be "missed" in a way a later sync would not repair. Until all three
informers have listed, the snapshot is None and nothing is applied, so a restarting proxy
keeps the rules it left behind (and the connections they carry) instead of installing an
empty rule set.

/healthz (and /livez) on --healthz-bind-address answer 200 while syncs keep up and 503
once a requested sync is overdue, with kube-proxy's JSON body. A failed sync is logged and
recorded as a Warning event on this Node.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import socket
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from pyk8s.client.clock import Clock
from pyk8s.client.events import EventRecorder
from pyk8s.client.informer import Informer
from pyk8s.client.rest import Client
from pyk8s.proxy.iptables import Iptables, IptablesError
from pyk8s.proxy.model import NodeInfo
from pyk8s.proxy.plan import ProxyOptions
from pyk8s.proxy.proxier import Proxier, ProxyState

logger = logging.getLogger("pyk8s.proxy")


@dataclass
class ServerOptions:
    node_name: str = field(default_factory=socket.gethostname)  # --hostname-override
    min_sync_period: float = 1.0  # --iptables-min-sync-period
    sync_period: float = 30.0  # --iptables-sync-period
    healthz_bind_address: str = "0.0.0.0:10256"  # "" turns /healthz off
    rules: ProxyOptions = field(default_factory=ProxyOptions)


async def local_ipv4_addresses(command_prefix: list[str] | None = None) -> tuple[str, ...]:
    """Every IPv4 address of this host's interfaces (for --nodeport-addresses)."""
    process = await asyncio.create_subprocess_exec(
        *(command_prefix or []), "ip", "-j", "-4", "addr", "show",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    out, _ = await process.communicate()
    links = json.loads(out or b"[]")
    return tuple(a["local"] for link in links for a in link.get("addr_info", []) if "local" in a)


def node_info(name: str, node: dict[str, Any] | None, addresses: tuple[str, ...]) -> NodeInfo:
    if node is None:
        return NodeInfo(name, addresses=addresses)
    internal = [
        a["address"]
        for a in (node.get("status") or {}).get("addresses") or []
        if a.get("type") == "InternalIP" and a.get("address", "").count(".") == 3
    ]
    return NodeInfo(
        name,
        labels=dict(node["metadata"].get("labels") or {}),
        ip=internal[0] if internal else None,
        addresses=addresses,
    )


class ProxyServer:
    def __init__(
        self,
        client: Client,
        options: ServerOptions,
        *,
        iptables: Iptables | None = None,
        node_addresses: tuple[str, ...] | None = None,
        clock: Clock | None = None,
    ) -> None:
        """`clock` drives the sync loop's periods (tests pass a FakeClock)."""
        self.client = client
        self.options = options
        self.iptables = iptables or Iptables()
        self.node_addresses = node_addresses
        self.services = Informer(client.resource("", "v1", "services"))
        self.slices = Informer(client.resource("discovery.k8s.io", "v1", "endpointslices"))
        self.nodes = Informer(
            client.resource("", "v1", "nodes"), field_selector=f"metadata.name={options.node_name}"
        )
        self._informers = (self.services, self.slices, self.nodes)
        self._first_sync: asyncio.Task[None] | None = None
        self.recorder = EventRecorder(client, "kube-proxy", options.node_name)
        self.proxier = Proxier(
            self._snapshot,
            self.iptables,
            options.rules,
            min_sync_period=options.min_sync_period,
            sync_period=options.sync_period,
            on_error=self._sync_failed,
            clock=clock,
        )
        for informer in self._informers:
            informer.add_handler(
                on_add=lambda _: self.proxier.request_sync(),
                on_update=lambda old, new: self._changed(old, new),
                on_delete=lambda _: self.proxier.request_sync(),
            )

    def _changed(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        # Periodic resyncs deliver unchanged objects; they need no sync of their own.
        if old is not new and old != new:
            self.proxier.request_sync()

    def _snapshot(self) -> ProxyState | None:
        if self.node_addresses is None or not all(i.has_synced() for i in self._informers):
            return None
        node = self.nodes.cache.get_by_name(None, self.options.node_name)
        return ProxyState(
            self.services.cache.objects(),
            self.slices.cache.objects(),
            node_info(self.options.node_name, node, self.node_addresses),
        )

    def _node_reference(self) -> dict[str, Any]:
        return {"kind": "Node", "apiVersion": "v1", "metadata": {"name": self.options.node_name}}

    def _sync_failed(self, err: Exception) -> None:
        message = f"failed to sync iptables rules: {err}"
        self.recorder.event(self._node_reference(), "Warning", "FailedToSyncProxyRules", message)

    async def start(self) -> None:
        """Check iptables, then start watching; syncing starts once the caches are full."""
        try:
            await self.iptables.save()
        except IptablesError as err:
            raise IptablesError(f"cannot use iptables (--proxy-mode iptables): {err}") from err
        if self.node_addresses is None:
            self.node_addresses = await local_ipv4_addresses()
        self.recorder.start()
        self.recorder.event(self._node_reference(), "Normal", "Starting", "Starting kube-proxy.")
        for informer in self._informers:
            informer.start()
        self._first_sync = asyncio.create_task(self._sync_once_listed())

    async def _sync_once_listed(self) -> None:
        # An informer whose list comes back empty (no Node object for us, no Services yet)
        # calls no handler, so the last informer to list may request no sync at all: without
        # this, a restarted proxy could wait a whole --iptables-sync-period for its first one.
        await asyncio.gather(*(informer.wait_synced() for informer in self._informers))
        self.proxier.request_sync()

    async def stop(self) -> None:
        if self._first_sync is not None:
            self._first_sync.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._first_sync
        for informer in self._informers:
            await informer.stop()
        await self.recorder.stop()

    async def run(self) -> int:
        await self.start()
        runner = await self._serve_healthz()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        sync_loop = asyncio.create_task(self.proxier.run())
        logger.info("proxy: serving Services on node %s (iptables mode)", self.options.node_name)
        try:
            await stop.wait()
        finally:
            sync_loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sync_loop
            if runner is not None:
                await runner.cleanup()
            await self.stop()
        return 0

    async def healthz(self, request: web.Request) -> web.Response:
        body = {"nodeEligible": True, "healthy": self.proxier.healthy()}
        return web.json_response(body, status=200 if body["healthy"] else 503)

    async def _serve_healthz(self) -> web.AppRunner | None:
        if not self.options.healthz_bind_address:
            return None
        host, _, port = self.options.healthz_bind_address.rpartition(":")
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/livez", self.healthz)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host or "0.0.0.0", int(port)).start()
        return runner
