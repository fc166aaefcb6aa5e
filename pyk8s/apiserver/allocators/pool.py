"""A range of numbers handed out one at a time, each claim stored under its own key.

The pool is the shared half of the cluster-IP and node-port allocators. A number is taken by
creating `<prefix><name>` in the Store, which succeeds only if the key is absent, so two
requests can never take the same number — not in one API server, not in two API servers
sharing etcd, not after a restart. Releasing deletes the key, and only when the record still
names the caller as its owner.

Allocation picks numbers at random (as Kubernetes does, so that a freshly started cluster
does not hand out the addresses somebody may have written into a manifest), and when random
probes keep hitting taken numbers it reads which ones are taken and picks among the rest.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from pyk8s.storage.interface import ConflictError, KeyExistsError, KeyNotFoundError, Store

# Random probes before reading the whole pool: in a pool under half full, 8 misses in a row
# happen less than once in 256 allocations.
RANDOM_PROBES = 8


class AllocationError(Exception):
    """A request the pool cannot satisfy; the message is Kubernetes' own wording."""


class AlreadyAllocated(AllocationError):
    pass


class NotInRange(AllocationError):
    pass


class RangeFull(AllocationError):
    def __init__(self) -> None:
        super().__init__("range is full")


@dataclass(frozen=True, slots=True)
class Owner:
    """The Service a number belongs to."""

    namespace: str
    name: str

    @classmethod
    def of(cls, service: dict[str, Any]) -> Owner:
        meta = service.get("metadata") or {}
        return cls(meta.get("namespace", ""), meta.get("name", ""))

    def parent_ref(self) -> dict[str, str]:
        return {"group": "", "resource": "services", "namespace": self.namespace, "name": self.name}


class Pool:
    """Numbers `first`..`last` (inclusive), claimed under `prefix` + `name_of(number)`."""

    def __init__(
        self,
        store: Store,
        prefix: str,
        first: int,
        last: int,
        *,
        name_of: Callable[[int], str],
        number_of: Callable[[str], int | None],
        record: Callable[[int, Owner], dict[str, Any]],
        reserved: frozenset[int] = frozenset(),
    ) -> None:
        self.store = store
        self.prefix = prefix
        self.first, self.last = first, last
        self.name_of, self.number_of, self.record = name_of, number_of, record
        # Numbers only handed out when asked for by name (the `kubernetes` Service's IP).
        self.reserved = reserved

    def contains(self, number: int) -> bool:
        return self.first <= number <= self.last

    def key(self, number: int) -> str:
        return self.prefix + self.name_of(number)

    async def owner_of(self, number: int) -> Owner | None:
        kv = await self.store.get(self.key(number))
        return None if kv is None else _owner(kv.value)

    async def allocate(self, number: int, owner: Owner, *, dry_run: bool = False) -> None:
        """Claim `number` for `owner`. Claiming a number the owner already holds is a no-op."""
        if not self.contains(number):
            raise NotInRange(str(number))
        if dry_run:
            holder = await self.owner_of(number)
            if holder is not None and holder != owner:
                raise AlreadyAllocated(str(number))
            return
        value = orjson.dumps(self.record(number, owner))
        try:
            await self.store.create(self.key(number), value)
        except KeyExistsError:
            if await self.owner_of(number) != owner:
                raise AlreadyAllocated(str(number)) from None

    async def allocate_next(self, owner: Owner, *, dry_run: bool = False) -> int:
        """Claim some free number for `owner`. Raises RangeFull when there is none."""
        for number in self._random_candidates():
            if await self._try(number, owner, dry_run):
                return number
        taken = await self.taken()
        free = [
            n for n in range(self.first, self.last + 1) if n not in taken and n not in self.reserved
        ]
        random.shuffle(free)
        for number in free:
            if await self._try(number, owner, dry_run):
                return number
        raise RangeFull()

    def _random_candidates(self) -> list[int]:
        size = self.last - self.first + 1
        if size <= len(self.reserved):
            return []
        picks = []
        while len(picks) < min(RANDOM_PROBES, size):
            number = random.randint(self.first, self.last)
            if number not in self.reserved:
                picks.append(number)
        return picks

    async def _try(self, number: int, owner: Owner, dry_run: bool) -> bool:
        if dry_run:
            return await self.store.get(self.key(number)) is None
        try:
            await self.store.create(self.key(number), orjson.dumps(self.record(number, owner)))
        except KeyExistsError:
            return False
        return True

    async def taken(self) -> dict[int, Owner]:
        """Every claimed number in this pool's range, with its owner."""
        result = await self.store.range(self.prefix)
        claims = {}
        for kv in result.kvs:
            number = self.number_of(kv.key[len(self.prefix) :])
            if number is not None and self.contains(number):
                claims[number] = _owner(kv.value)
        return claims

    async def release(self, number: int, owner: Owner) -> bool:
        """Give `number` back if `owner` holds it; True when a claim was removed."""
        kv = await self.store.get(self.key(number))
        if kv is None or _owner(kv.value) != owner:
            return False
        try:
            await self.store.delete(kv.key, kv.mod_revision)
        except (ConflictError, KeyNotFoundError):
            return False  # somebody else changed it meanwhile: not ours to remove any more
        return True


def _owner(value: bytes) -> Owner:
    try:
        ref = (orjson.loads(value).get("spec") or {}).get("parentRef") or {}
    except (orjson.JSONDecodeError, AttributeError):
        ref = {}
    return Owner(ref.get("namespace", ""), ref.get("name", ""))
