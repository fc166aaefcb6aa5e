"""The Store: etcd v3's key-value model, which every backend implements exactly.

Guarantees every backend gives (the contract suite in tests/integration/storage checks them):

- One global, strictly increasing *revision*. Every successful write (create, update, delete)
  gets the next revision; reads never change it. A key's `mod_revision` is the revision of the
  write that last touched it; the API server exposes it as `metadata.resourceVersion`.
- Writes are compare-and-swap: `create` only if the key is absent, `update`/`delete` only if the
  key's mod revision is still the one the caller read (unless the caller passes 0 to `delete`).
- Reads may be served at a past revision until that revision is compacted; then they raise
  `CompactedError`.
- A watch yields every write under its prefix from its start revision on, in revision order,
  exactly once, each event with the value the key had before. A watcher that cannot keep up is
  never dropped silently: its iterator raises `WatchLagError`, and the caller may resume from
  the revision after the last event it saw.

Keys given to and returned by a Store are *relative* (`/pods/default/web`); the backend adds its
key prefix (`--etcd-prefix`, `/registry` by default) on the way in and strips it on the way
out, so that `etcdctl get /registry/pods/default/web` shows what the API server wrote.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

DEFAULT_PREFIX = "/registry"


@dataclass(frozen=True, slots=True)
class KeyValue:
    key: str
    value: bytes
    create_revision: int
    mod_revision: int


@dataclass(frozen=True, slots=True)
class RangeResult:
    kvs: list[KeyValue]
    # True when `limit` cut the result short; continue from the last key + "\x00".
    more: bool
    # How many keys match the whole range (ignoring `limit` and `start_key`).
    count: int
    # The revision the range was read at: the store's current revision unless one was asked for.
    revision: int


class EventType(enum.Enum):
    PUT = "PUT"
    DELETE = "DELETE"


@dataclass(frozen=True, slots=True)
class Event:
    type: EventType
    # For PUT, the new key-value. For DELETE, the key with an empty value, whose
    # mod_revision is the revision of the delete.
    kv: KeyValue
    # The key's value just before this event; None for a create.
    prev_kv: KeyValue | None

    @property
    def revision(self) -> int:
        return self.kv.mod_revision

    @property
    def is_create(self) -> bool:
        return self.type is EventType.PUT and self.prev_kv is None


class StoreError(Exception):
    """Base of every error a Store raises on purpose."""


class KeyExistsError(StoreError):
    def __init__(self, key: str) -> None:
        super().__init__(f"key already exists: {key}")
        self.key = key


class KeyNotFoundError(StoreError):
    def __init__(self, key: str) -> None:
        super().__init__(f"key not found: {key}")
        self.key = key


class ConflictError(StoreError):
    """The key's mod revision is not the expected one. `current` is what is there now
    (None when the key is gone), so the caller can retry without another read."""

    def __init__(self, key: str, expected: int, current: KeyValue | None) -> None:
        actual = current.mod_revision if current else "absent"
        super().__init__(f"conflict on {key}: expected mod revision {expected}, found {actual}")
        self.key = key
        self.expected = expected
        self.current = current


class CompactedError(StoreError):
    """The revision asked for is older than the oldest one kept."""

    def __init__(self, requested: int, compact_revision: int) -> None:
        super().__init__(
            f"revision {requested} has been compacted; the oldest available is {compact_revision}"
        )
        self.requested = requested
        self.compact_revision = compact_revision


class FutureRevisionError(StoreError):
    """The revision asked for is newer than the store's current revision."""

    def __init__(self, requested: int, current: int) -> None:
        super().__init__(f"revision {requested} is newer than the current revision {current}")
        self.requested = requested
        self.current = current


class WatchLagError(StoreError):
    """The watcher fell too far behind and was cut off; resume from `next_revision`."""

    def __init__(self, next_revision: int) -> None:
        super().__init__(f"watcher fell behind; resume from revision {next_revision}")
        self.next_revision = next_revision


class StoreUnavailableError(StoreError):
    """No backend member could be reached (after fail-over was tried)."""


class DataDirLockedError(StoreError):
    """Another process already owns the data directory."""


class Store(Protocol):
    """The interface every backend implements. All keys are relative (see module docstring)."""

    async def get(self, key: str, *, revision: int = 0) -> KeyValue | None:
        """The key's value at `revision` (0 = now), or None if it does not exist then."""

    async def range(
        self,
        prefix: str,
        *,
        limit: int = 0,
        start_key: str | None = None,
        revision: int = 0,
    ) -> RangeResult:
        """Keys starting with `prefix`, in key order, from `start_key` (inclusive) on.
        `limit` 0 means all. `revision` 0 means now."""

    async def create(self, key: str, value: bytes) -> int:
        """Write the key only if it does not exist; return the new revision.
        Raises KeyExistsError."""

    async def update(self, key: str, value: bytes, expected_mod_revision: int) -> int:
        """Replace the key's value only if its mod revision is `expected_mod_revision`;
        return the new revision. Raises ConflictError (also when the key is gone)."""

    async def delete(self, key: str, expected_mod_revision: int = 0) -> tuple[int, KeyValue]:
        """Delete the key (only if its mod revision matches, unless 0). Returns the revision of
        the delete and the value deleted. Raises KeyNotFoundError or ConflictError."""

    def watch(self, prefix: str, start_revision: int = 0) -> AsyncIterator[Event]:
        """Events under `prefix` with revision >= `start_revision` (0 = from now on), in order.
        Raises CompactedError when start_revision is compacted, WatchLagError when the
        watcher falls behind. Closing the iterator (`aclose`) ends the watch."""

    async def current_revision(self) -> int:
        """The revision of the newest write."""

    async def compact(self, revision: int) -> None:
        """Forget history older than `revision`; current values are kept."""

    async def close(self) -> None:
        """Release connections, threads and locks."""
