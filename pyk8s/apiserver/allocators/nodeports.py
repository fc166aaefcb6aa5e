"""Node ports from `--service-node-port-range`, one Store key per port: `/nodeports/<port>`.

A port is taken once per cluster whatever its protocol, as in Kubernetes; a Service that
uses the same node port for TCP and UDP holds one claim. The record names the Service in
`spec.parentRef`, the same shape as the cluster-IP records.
"""

from __future__ import annotations

from typing import Any

from pyk8s.apiserver.allocators.pool import AlreadyAllocated, NotInRange, Owner, Pool
from pyk8s.storage.interface import Store

PREFIX = "/nodeports/"


def parse_port_range(text: str) -> tuple[int, int]:
    """`30000-32767` (or a single port) -> (30000, 32767)."""
    low, sep, high = text.strip().partition("-")
    try:
        first, last = int(low), int(high) if sep else int(low)
    except ValueError:
        raise ValueError(f"invalid port range {text!r}: want FIRST-LAST") from None
    if not 0 < first <= last <= 65535:
        raise ValueError(f"invalid port range {text!r}")
    return first, last


class NodePortAllocator:
    def __init__(self, store: Store, port_range: str) -> None:
        first, last = parse_port_range(port_range)
        self.range_text = f"{first}-{last}"
        self.pool = Pool(
            store, PREFIX, first, last,
            name_of=str, number_of=_port_number, record=_record,
        )  # fmt: skip

    def contains(self, port: int) -> bool:
        return self.pool.contains(port)

    async def allocate(self, port: int, owner: Owner, *, dry_run: bool = False) -> None:
        if not self.pool.contains(port):
            raise NotInRange(
                "provided port is not in the valid range. "
                f"The range of valid ports is {self.range_text}"
            )
        try:
            await self.pool.allocate(port, owner, dry_run=dry_run)
        except AlreadyAllocated:
            raise AlreadyAllocated("provided port is already allocated") from None

    async def allocate_next(self, owner: Owner, *, dry_run: bool = False) -> int:
        return await self.pool.allocate_next(owner, dry_run=dry_run)

    async def release(self, port: int, owner: Owner) -> bool:
        return await self.pool.release(port, owner)

    async def allocated(self) -> dict[int, Owner]:
        return await self.pool.taken()


def _port_number(name: str) -> int | None:
    return int(name) if name.isdigit() else None


def _record(port: int, owner: Owner) -> dict[str, Any]:
    return {"port": port, "spec": {"parentRef": owner.parent_ref()}}
