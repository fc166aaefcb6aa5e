"""Resources: how a kind is exposed over the API (names, scope, verbs, subresources, storage).

A `Resource` ties a kind's schema (schema.py) to its REST names. Discovery, the routes, the
OpenAPI paths and the storage keys are all derived from the registered resources; adding a
resource to pyk8s starts with one `register(Resource(...))` next to the kind's schema.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyk8s.api.schema import Struct, TypeRef, resolve

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
# Cluster-scoped kinds that cannot be listed in bulk-deleted (nodes, namespaces) use this.
VERBS_NO_DELETECOLLECTION = ("create", "delete", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True, slots=True)
class Subresource:
    name: str  # "status", "scale", "binding", "eviction", "log", "exec", ...
    # The kind the subresource accepts/returns, as discovery's responseKind.
    kind: str
    verbs: tuple[str, ...]
    group: str = ""  # "" = same group/version as the parent resource
    version: str = ""


@dataclass(frozen=True, slots=True)
class Resource:
    group: str  # "" for the core group
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    schema: TypeRef  # the top-level object struct, e.g. "io.k8s.api.core.v1.Pod"
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: tuple[Subresource, ...] = ()
    # Where objects live in the store, relative to the store prefix: objects are at
    # `<storage_prefix>/<namespace>/<name>` (namespaced) or `<storage_prefix>/<name>`.
    # None means "/<plural>". Kubernetes keeps a few historical names: nodes are under
    # "/minions", services under "/services/specs", endpoints under "/services/endpoints".
    storage_prefix: str | None = None
    # False for resources that are computed, never stored (reviews, componentstatuses).
    stored: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version(self) -> tuple[str, str]:
        return (self.group, self.version)

    @property
    def list_kind(self) -> str:
        return self.kind + "List"

    @property
    def key_prefix(self) -> str:
        return self.storage_prefix or "/" + self.plural

    @property
    def struct(self) -> Struct:
        resolved = resolve(self.schema)
        assert isinstance(resolved, Struct), f"{self.kind} schema must be a struct"
        return resolved

    def subresource(self, name: str) -> Subresource | None:
        for sub in self.subresources:
            if sub.name == name:
                return sub
        return None

    def key(self, namespace: str | None, name: str) -> str:
        """The store key of one object."""
        if self.namespaced:
            return f"{self.key_prefix}/{namespace}/{name}"
        return f"{self.key_prefix}/{name}"


RESOURCES: list[Resource] = []


def register(resource: Resource) -> Resource:
    for known in RESOURCES:
        if known.group_version == resource.group_version and known.plural == resource.plural:
            raise ValueError(
                f"resource {resource.plural} in {resource.api_version} registered twice"
            )
    RESOURCES.append(resource)
    return resource


def find(group: str, version: str, plural: str) -> Resource | None:
    for resource in RESOURCES:
        if resource.group == group and resource.version == version and resource.plural == plural:
            return resource
    return None


def find_kind(api_version: str, kind: str) -> Resource | None:
    for resource in RESOURCES:
        if resource.api_version == api_version and resource.kind == kind:
            return resource
    return None
