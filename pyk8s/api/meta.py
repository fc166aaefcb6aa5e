"""Small helpers for the metadata every object carries (pure functions, no I/O).

Objects are plain JSON-shaped dicts everywhere in pyk8s; these accessors read them without
caring whether `metadata`, `labels` or `annotations` are present, and the constructors produce
values in exactly the form the API server writes (RFC 3339 seconds in UTC, uuid4 text).
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime
from typing import Any


def now_rfc3339() -> str:
    """The current time as metav1.Time text: "2024-05-01T12:00:00Z" (whole seconds, UTC)."""
    second = int(time.time())
    # Formatting a date costs more than much of a write; the API server stamps every write,
    # so all the writes of one second share one formatted text.
    if second != _formatted[0]:
        _formatted[:] = [second, datetime.fromtimestamp(second, UTC).strftime(_RFC3339)]
    return _formatted[1]


_RFC3339 = "%Y-%m-%dT%H:%M:%SZ"
_formatted: list[Any] = [None, ""]  # [second, its text]


def now_rfc3339_micro() -> str:
    """The current time as metav1.MicroTime text: "2024-05-01T12:00:00.123456Z"."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_uid() -> str:
    """A random (version 4) UUID as text, as uuid.uuid4() makes, drawn from a pool.

    os.urandom lets go of the GIL, and getting it back can mean waiting for another thread
    (the SQLite store's writer) to reach a switch point: one call per 256 uids instead of one
    per create. The bytes are the same OS randomness.
    """
    if not _random_pool:
        block = os.urandom(16 * 256)
        _random_pool.extend(block[i : i + 16] for i in range(0, len(block), 16))
    return str(uuid.UUID(bytes=_random_pool.pop(), version=4))


_random_pool: list[bytes] = []
# A forked child must not hand out the uids its parent still has in the pool.
os.register_at_fork(after_in_child=_random_pool.clear)


def metadata(obj: dict[str, Any]) -> dict[str, Any]:
    """obj["metadata"], created empty if missing (for writers)."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        meta = obj["metadata"] = {}
    return meta


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def name(obj: dict[str, Any]) -> str:
    return _meta(obj).get("name") or ""


def namespace(obj: dict[str, Any]) -> str:
    return _meta(obj).get("namespace") or ""


def uid(obj: dict[str, Any]) -> str:
    return _meta(obj).get("uid") or ""


def resource_version(obj: dict[str, Any]) -> str:
    return _meta(obj).get("resourceVersion") or ""


def labels(obj: dict[str, Any]) -> dict[str, str]:
    return _meta(obj).get("labels") or {}


def annotations(obj: dict[str, Any]) -> dict[str, str]:
    return _meta(obj).get("annotations") or {}


def finalizers(obj: dict[str, Any]) -> list[str]:
    return _meta(obj).get("finalizers") or []


def owner_references(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return _meta(obj).get("ownerReferences") or []


def controller_of(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The owner reference with controller: true, if any."""
    for ref in owner_references(obj):
        if ref.get("controller") is True:
            return ref
    return None


def is_being_deleted(obj: dict[str, Any]) -> bool:
    return bool(_meta(obj).get("deletionTimestamp"))


def key(obj: dict[str, Any]) -> str:
    """ "namespace/name" (or "name" for cluster-scoped objects), as work queues key objects."""
    ns = namespace(obj)
    return f"{ns}/{name(obj)}" if ns else name(obj)
