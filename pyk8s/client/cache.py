"""The informer's local copy of a resource: objects by key, plus named indexes.

Keys are `namespace/name` (just `name` for cluster-scoped objects), as client-go's
`MetaNamespaceKeyFunc`. An *index function* maps an object to the values it is filed under;
an Indexer keeps, for every index name, value -> set of keys, updated on every write, so
"all pods on node n1" or "everything owned by uid u" is a dictionary lookup.

Built-in index functions (`INDEX_FUNCS`, pluggable by name like client-go's Indexers):
`namespace`, `nodeName` (spec.nodeName), `owner` (ownerReferences' uids) and `label`
(`key=value` for every label).

Guarantee: after every add/update/delete/replace the indexes agree exactly with the objects
held; an object filed under nothing in an index is simply absent from that index. Objects
are shared with callers, not copied: treat what you read as read-only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Object = dict[str, Any]
IndexFunc = Callable[[Object], list[str]]


def object_key(obj: Object) -> str:
    metadata = obj.get("metadata", {})
    namespace = metadata.get("namespace")
    return f"{namespace}/{metadata['name']}" if namespace else metadata["name"]


def split_key(key: str) -> tuple[str | None, str]:
    """(namespace, name) from a key; namespace is None for a cluster-scoped object."""
    namespace, _, name = key.rpartition("/")
    return (namespace or None), name


def by_namespace(obj: Object) -> list[str]:
    namespace = obj.get("metadata", {}).get("namespace")
    return [namespace] if namespace else []


def by_node_name(obj: Object) -> list[str]:
    node = (obj.get("spec") or {}).get("nodeName")
    return [node] if node else []


def by_owner_uid(obj: Object) -> list[str]:
    return [ref["uid"] for ref in obj.get("metadata", {}).get("ownerReferences") or []]


def by_label(obj: Object) -> list[str]:
    labels = obj.get("metadata", {}).get("labels") or {}
    return [f"{key}={value}" for key, value in labels.items()]


INDEX_FUNCS: dict[str, IndexFunc] = {
    "namespace": by_namespace,
    "nodeName": by_node_name,
    "owner": by_owner_uid,
    "label": by_label,
}


class Indexer:
    def __init__(self, indexers: dict[str, IndexFunc] | None = None) -> None:
        self._items: dict[str, Object] = {}
        self._index_funcs: dict[str, IndexFunc] = {}
        self._indexes: dict[str, dict[str, set[str]]] = {}
        for name, func in (indexers or {}).items():
            self.add_index(name, func)

    def index_names(self) -> list[str]:
        return list(self._index_funcs)

    def add_index(self, name: str, func: IndexFunc) -> None:
        """Add an index; existing objects are filed under it at once."""
        if name in self._index_funcs:
            raise ValueError(f"index {name!r} already exists")
        self._index_funcs[name] = func
        self._indexes[name] = {}
        for key, obj in self._items.items():
            self._file(name, key, obj)

    # writes

    def add(self, obj: Object) -> Object | None:
        """Insert or replace; returns the object it replaced, if any."""
        key = object_key(obj)
        old = self._items.get(key)
        if old is not None:
            self._unfile_all(key, old)
        self._items[key] = obj
        for name in self._index_funcs:
            self._file(name, key, obj)
        return old

    update = add

    def delete(self, key: str) -> Object | None:
        old = self._items.pop(key, None)
        if old is not None:
            self._unfile_all(key, old)
        return old

    def replace(self, objects: Iterable[Object]) -> None:
        self._items = {}
        self._indexes = {name: {} for name in self._index_funcs}
        for obj in objects:
            self.add(obj)

    # reads

    def get(self, key: str) -> Object | None:
        return self._items.get(key)

    def get_by_name(self, namespace: str | None, name: str) -> Object | None:
        return self._items.get(f"{namespace}/{name}" if namespace else name)

    def list_keys(self) -> list[str]:
        return list(self._items)

    def objects(self) -> list[Object]:
        return list(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def by_index(self, index: str, value: str) -> list[Object]:
        return [self._items[key] for key in self.index_keys(index, value)]

    def index_keys(self, index: str, value: str) -> list[str]:
        if index not in self._indexes:
            raise KeyError(f"no index named {index!r}")
        return sorted(self._indexes[index].get(value, ()))

    def index_values(self, index: str) -> list[str]:
        return sorted(self._indexes[index])

    # bookkeeping

    def _file(self, name: str, key: str, obj: Object) -> None:
        index = self._indexes[name]
        for value in set(self._index_funcs[name](obj)):
            index.setdefault(value, set()).add(key)

    def _unfile_all(self, key: str, obj: Object) -> None:
        for name, func in self._index_funcs.items():
            index = self._indexes[name]
            for value in set(func(obj)):
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]
