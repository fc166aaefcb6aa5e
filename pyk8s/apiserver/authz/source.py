"""Where the authorizers read cluster state from: two small protocols and in-memory versions.

`RoleSource` is what RBAC needs (roles, cluster roles and their bindings); `NodeGraph` is what
the Node authorizer needs (the pods bound to a node, and single objects such as a PVC to
find its volume). The API server backs both with its registry's watch caches
(registry_source.py), so a decision costs no storage round trip — and, as in Kubernetes,
a new binding takes effect as soon as the cache has seen it (milliseconds later), not
at the instant its create returns.

The in-memory versions serve unit tests and any embedding without a registry.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

Object = dict[str, Any]


class RoleSource(Protocol):
    async def role(self, namespace: str, name: str) -> Object | None: ...
    async def cluster_role(self, name: str) -> Object | None: ...
    async def cluster_roles(self) -> list[Object]: ...
    async def role_bindings(self, namespace: str) -> list[Object]: ...
    async def cluster_role_bindings(self) -> list[Object]: ...


class NodeGraph(Protocol):
    async def pods_on_node(self, node: str) -> list[Object]: ...
    async def get(self, group: str, plural: str, namespace: str, name: str) -> Object | None: ...


def _namespace(obj: Object) -> str:
    return obj.get("metadata", {}).get("namespace", "")


def _name(obj: Object) -> str:
    return obj.get("metadata", {}).get("name", "")


class MemoryRoleSource:
    """RBAC objects held in lists; `add` takes any of the four kinds."""

    def __init__(self, objects: Iterable[Object] = ()) -> None:
        self.objects: list[Object] = []
        for obj in objects:
            self.add(obj)

    def add(self, obj: Object) -> None:
        self.objects.append(obj)

    def _of_kind(self, kind: str) -> list[Object]:
        return [o for o in self.objects if o.get("kind") == kind]

    async def role(self, namespace: str, name: str) -> Object | None:
        for obj in self._of_kind("Role"):
            if _namespace(obj) == namespace and _name(obj) == name:
                return obj
        return None

    async def cluster_role(self, name: str) -> Object | None:
        for obj in self._of_kind("ClusterRole"):
            if _name(obj) == name:
                return obj
        return None

    async def cluster_roles(self) -> list[Object]:
        return self._of_kind("ClusterRole")

    async def role_bindings(self, namespace: str) -> list[Object]:
        return [o for o in self._of_kind("RoleBinding") if _namespace(o) == namespace]

    async def cluster_role_bindings(self) -> list[Object]:
        return self._of_kind("ClusterRoleBinding")


class MemoryNodeGraph:
    """Objects held in a dict keyed by (group, plural, namespace, name)."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str, str], Object] = {}

    def add(self, group: str, plural: str, obj: Object) -> None:
        self.objects[(group, plural, _namespace(obj), _name(obj))] = obj

    async def pods_on_node(self, node: str) -> list[Object]:
        return [
            obj
            for (group, plural, _, _), obj in self.objects.items()
            if (group, plural) == ("", "pods") and obj.get("spec", {}).get("nodeName") == node
        ]

    async def get(self, group: str, plural: str, namespace: str, name: str) -> Object | None:
        return self.objects.get((group, plural, namespace, name))
