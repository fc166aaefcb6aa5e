"""Cluster IPs from `--service-cluster-ip-range`, one Store key per address.

Each address in use is recorded at `/ipaddresses/<ip>` as a networking.k8s.io/v1 IPAddress
object whose `spec.parentRef` names the Service, which is how Kubernetes (1.31+, the
MultiCIDRServiceAllocator design) records it too: `etcdctl get /registry/ipaddresses --prefix`
shows who holds what.

Usable addresses: for IPv4 every address but the network and broadcast addresses (a /31 or
/32 has no such addresses); for IPv6 every address but the first. The first usable address
belongs to the `kubernetes` Service: it is only given to whoever asks for it by name.
"""

from __future__ import annotations

import datetime
import ipaddress
import uuid
from typing import Any

from pyk8s.apiserver.allocators.pool import AlreadyAllocated, NotInRange, Owner, Pool
from pyk8s.storage.interface import Store

PREFIX = "/ipaddresses/"
# Larger IPv6 ranges are cut to their first 2^16 addresses, plenty for Services.
MAX_IPV6_ADDRESSES = 1 << 16


class ClusterIPAllocator:
    def __init__(self, store: Store, cidr: str) -> None:
        self.network = ipaddress.ip_network(cidr, strict=False)
        self.cidr = str(self.network)
        self.family = "IPv4" if self.network.version == 4 else "IPv6"
        first, last = _usable_offsets(self.network)
        self.pool = Pool(
            store, PREFIX, first, last,
            name_of=self._name, number_of=self._number, record=self._record,
            reserved=frozenset({first}),
        )  # fmt: skip

    def _name(self, offset: int) -> str:
        return str(self.network.network_address + offset)

    def _number(self, name: str) -> int | None:
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            return None
        if address not in self.network:
            return None
        return int(address) - int(self.network.network_address)

    def _record(self, offset: int, owner: Owner) -> dict[str, Any]:
        now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "IPAddress",
            "metadata": {
                "name": self._name(offset),
                "uid": str(uuid.uuid4()),
                "creationTimestamp": now,
                "labels": {
                    "ipaddress.kubernetes.io/ip-family": self.family,
                    "ipaddress.kubernetes.io/managed-by": "ipallocator.k8s.io",
                },
            },
            "spec": {"parentRef": owner.parent_ref()},
        }

    @property
    def first_ip(self) -> str:
        """The address of the `kubernetes` Service."""
        return self._name(self.pool.first)

    def contains(self, ip: str) -> bool:
        offset = self._number(ip)
        return offset is not None and self.pool.contains(offset)

    def _offset(self, ip: str) -> int:
        offset = self._number(ip)
        if offset is None or not self.pool.contains(offset):
            raise NotInRange(
                f"the provided IP ({ip}) is not in the valid range. "
                f"The range of valid IPs is {self.cidr}"
            )
        return offset

    async def allocate(self, ip: str, owner: Owner, *, dry_run: bool = False) -> None:
        """Claim a specific address (AlreadyAllocated / NotInRange when it cannot be had)."""
        try:
            await self.pool.allocate(self._offset(ip), owner, dry_run=dry_run)
        except AlreadyAllocated:
            raise AlreadyAllocated("provided IP is already allocated") from None

    async def allocate_next(self, owner: Owner, *, dry_run: bool = False) -> str:
        return self._name(await self.pool.allocate_next(owner, dry_run=dry_run))

    async def release(self, ip: str, owner: Owner) -> bool:
        offset = self._number(ip)
        if offset is None:
            return False
        return await self.pool.release(offset, owner)

    async def allocated(self) -> dict[str, Owner]:
        return {self._name(n): owner for n, owner in (await self.pool.taken()).items()}


def _usable_offsets(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> tuple[int, int]:
    size = network.num_addresses
    if network.version == 4:
        if size <= 2:
            return 0, size - 1
        return 1, size - 2
    if size == 1:
        return 0, 0
    return 1, min(size - 1, MAX_IPV6_ADDRESSES)
