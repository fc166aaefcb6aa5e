"""Allocators of Service cluster IPs and node ports, kept in the Store.

The API server calls `configure(store, service_cidr=..., node_port_range=...)` once at start
(before it serves) and then `await repair()`; the services strategy reaches the allocator
through `current()`.

Guarantees: an address or port is held by at most one Service at a time, across concurrent
requests, across API servers sharing one etcd, and across restarts, because each claim is a
create-if-absent of its own key (`/ipaddresses/<ip>`, `/nodeports/<port>`). A claim left
behind by a crash between claiming and storing the Service is removed by `repair()`.
"""

from __future__ import annotations

import logging

import orjson

from pyk8s.apiserver.allocators.ipaddresses import ClusterIPAllocator
from pyk8s.apiserver.allocators.nodeports import NodePortAllocator
from pyk8s.apiserver.allocators.pool import Owner
from pyk8s.apiserver.allocators.services import ServiceAllocator, held_ips, held_ports
from pyk8s.storage.interface import Store

__all__ = ["ServiceAllocator", "configure", "current", "repair"]

logger = logging.getLogger("pyk8s.apiserver.allocators")

# Where Services are stored (see pyk8s/api/kinds/core_service.py).
SERVICES_PREFIX = "/services/specs/"

_current: ServiceAllocator | None = None


def configure(store: Store, *, service_cidr: str, node_port_range: str) -> ServiceAllocator:
    """Make the allocators for this server's Store and ranges; returns the one in use."""
    global _current
    _current = ServiceAllocator(
        ClusterIPAllocator(store, service_cidr), NodePortAllocator(store, node_port_range)
    )
    return _current


def current() -> ServiceAllocator:
    if _current is None:
        raise RuntimeError(
            "service allocators are not configured: the API server must call "
            "pyk8s.apiserver.allocators.configure() before it serves"
        )
    return _current


async def repair(allocator: ServiceAllocator | None = None) -> int:
    """Remove claims whose Service is gone or no longer holds them; returns how many.

    Run it before the server serves: a claim made by a request still in flight would look
    like a leftover too.
    """
    allocator = allocator or current()
    store = allocator.cluster_ips.pool.store
    holders: dict[Owner, tuple[set[str], set[int]]] = {}
    for kv in (await store.range(SERVICES_PREFIX)).kvs:
        service = orjson.loads(kv.value)
        holders[Owner.of(service)] = (held_ips(service), held_ports(service))
    removed = 0
    for ip, owner in (await allocator.cluster_ips.allocated()).items():
        if ip not in holders.get(owner, (set(), set()))[0]:
            removed += await allocator.cluster_ips.release(ip, owner)
    for port, owner in (await allocator.node_ports.allocated()).items():
        if port not in holders.get(owner, (set(), set()))[1]:
            removed += await allocator.node_ports.release(port, owner)
    if removed:
        logger.info("released %d service IP/port claims that no Service holds", removed)
    return removed
