"""The authorizers' view of the API server's own registry: RBAC objects and pods read from
the watch caches, which the registry keeps current from one store watch per resource.

Reads are in-memory dict lookups and scans, with no storage round trip per request. A
resource whose store has no cache (not expected for these) is read from storage instead.
"""

from __future__ import annotations

from typing import Any

from pyk8s.apiserver.authz.source import Object

RBAC = "rbac.authorization.k8s.io"


class RegistryReader:
    """Reads one resource's objects from its generic store's watch cache."""

    def __init__(self, registry: Any, group: str, plural: str) -> None:
        self.registry = registry
        self.group, self.plural = group, plural

    def _store(self) -> Any:
        store = self.registry.find(self.group, self.plural)
        if store is None:
            raise LookupError(f"no store for {self.plural}.{self.group}")
        return store

    async def get(self, namespace: str, name: str) -> Object | None:
        return await self.registry.lookup(self.plural, self.group, namespace, name)

    async def all(self, namespace: str = "") -> list[Object]:
        store = self._store()
        prefix = store.prefix(namespace)
        cache = store.watch_cache
        if cache is not None:
            return [obj for key, obj in cache.objects.items() if key.startswith(prefix)]
        from pyk8s.apiserver.registry.options import ListOptions

        return (await store.list(namespace, ListOptions())).items


class RegistryRoleSource:
    """`RoleSource` over the registry (see source.py)."""

    def __init__(self, registry: Any) -> None:
        self._roles = RegistryReader(registry, RBAC, "roles")
        self._cluster_roles = RegistryReader(registry, RBAC, "clusterroles")
        self._role_bindings = RegistryReader(registry, RBAC, "rolebindings")
        self._cluster_role_bindings = RegistryReader(registry, RBAC, "clusterrolebindings")

    async def role(self, namespace: str, name: str) -> Object | None:
        return await self._roles.get(namespace, name)

    async def cluster_role(self, name: str) -> Object | None:
        return await self._cluster_roles.get("", name)

    async def cluster_roles(self) -> list[Object]:
        return await self._cluster_roles.all()

    async def role_bindings(self, namespace: str) -> list[Object]:
        return await self._role_bindings.all(namespace)

    async def cluster_role_bindings(self) -> list[Object]:
        return await self._cluster_role_bindings.all()


class RegistryNodeGraph:
    """`NodeGraph` over the registry: pods by spec.nodeName, and single objects."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry
        self._pods = RegistryReader(registry, "", "pods")

    async def pods_on_node(self, node: str) -> list[Object]:
        # A scan of every pod; cheap next to a request for clusters of a few thousand pods.
        return [p for p in await self._pods.all() if (p.get("spec") or {}).get("nodeName") == node]

    async def get(self, group: str, plural: str, namespace: str, name: str) -> Object | None:
        return await self.registry.lookup(plural, group, namespace, name)
