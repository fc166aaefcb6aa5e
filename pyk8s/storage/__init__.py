"""Storage: the etcd v3 model (interface.py) with two backends, sqlite.py and etcd.py."""

from pyk8s.storage.interface import (
    DEFAULT_PREFIX,
    CompactedError,
    ConflictError,
    DataDirLockedError,
    Event,
    EventType,
    FutureRevisionError,
    KeyExistsError,
    KeyNotFoundError,
    KeyValue,
    RangeResult,
    Store,
    StoreError,
    StoreUnavailableError,
    WatchLagError,
)

__all__ = [
    "DEFAULT_PREFIX",
    "CompactedError",
    "ConflictError",
    "DataDirLockedError",
    "Event",
    "EventType",
    "FutureRevisionError",
    "KeyExistsError",
    "KeyNotFoundError",
    "KeyValue",
    "RangeResult",
    "Store",
    "StoreError",
    "StoreUnavailableError",
    "WatchLagError",
]
