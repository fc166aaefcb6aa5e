"""The OpenAPI v3 documents kube-apiserver serves at /openapi/v3, derived from the kinds.

kubectl downloads them for `explain`, for `create -f` / `apply` / `edit` (to learn that the
server validates fields itself) and for client-side apply's strategic merge patch (the patch
merge keys). There is one document per group-version (`api/v1`, `apis/apps/v1`, ...) and an
index that lists them with a content hash, so clients may cache a document for as long as its
hash is unchanged.

Everything is computed from the registered resources and the schema DSL, once: the documents
are cached, and rebuilt only if kinds are registered after the first request.

    openapi_v3_index() -> {"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=…"}}}
    openapi_v3_document("apps", "v1") -> the document, or None for an unknown group-version
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

import pyk8s.api.kinds  # noqa: F401  (registers every kind before documents are built)
from pyk8s.api.openapi_paths import resource_paths
from pyk8s.api.openapi_schemas import META, PATCH, collect_schemas, list_schema
from pyk8s.api.resource import RESOURCES, Resource
from pyk8s.api.schema import STRUCTS

TITLE = "Kubernetes"
VERSION = "v1.32.4"
# Meta types every document carries: errors, deletion bodies, watch events, patch bodies.
META_TYPES = (META + "Status", META + "DeleteOptions", META + "WatchEvent", PATCH)

GroupVersion = tuple[str, str]
_cache: dict[str, Any] = {"key": None}


def openapi_v3_index() -> dict[str, Any]:
    """GET /openapi/v3: every group-version's document, addressed with its content hash."""
    return _built()["index"]


def openapi_v3_document(group: str, version: str) -> dict[str, Any] | None:
    """GET /openapi/v3/api/v1 or /openapi/v3/apis/<group>/<version>; None if not served."""
    return _built()["documents"].get((group, version))


def index_key(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _built() -> dict[str, Any]:
    # Kinds are registered at import time; a later registration (a test, an extension)
    # changes these counts and so triggers one rebuild.
    key = (len(RESOURCES), len(STRUCTS))
    if _cache["key"] != key:
        documents = {gv: build_document(*gv) for gv in served_group_versions()}
        index = {
            index_key(*gv): {"serverRelativeURL": f"/openapi/v3/{index_key(*gv)}?hash={_hash(d)}"}
            for gv, d in documents.items()
        }
        _cache.update(key=key, documents=documents, index={"paths": index})
    return _cache


def _hash(document: dict[str, Any]) -> str:
    return hashlib.sha512(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest().upper()


def served_group_versions() -> list[GroupVersion]:
    seen: dict[GroupVersion, None] = {}
    for resource in RESOURCES:
        seen.setdefault(resource.group_version, None)
    return list(seen)


def schema_name(group: str, version: str, kind: str) -> str | None:
    """The component name of a kind, e.g. ("apps", "v1", "Deployment") ->
    io.k8s.api.apps.v1.Deployment; None when no struct describes it."""
    for resource in RESOURCES:
        if (resource.group, resource.version, resource.kind) == (group, version, kind):
            name = resource.schema if isinstance(resource.schema, str) else resource.schema.name
            return name if name in STRUCTS else None
    package = group.split(".", 1)[0] if group else "core"
    name = f"io.k8s.api.{package}.{version}.{kind}"
    return name if name in STRUCTS else None


def build_document(group: str, version: str) -> dict[str, Any]:
    """The OpenAPI v3 document of one group-version."""
    resources = [r for r in RESOURCES if r.group_version == (group, version)]
    paths: dict[str, Any] = {}
    for resource in resources:
        resource_paths(resource, schema_name, paths)
    kinds = _kinds_used(resources)
    schemas = collect_schemas([*kinds.values(), *META_TYPES])
    for (kind_group, kind_version, kind), name in kinds.items():
        if kind.endswith("List") and name not in STRUCTS:
            schemas[name] = list_schema(name.removesuffix("List"), name)
            schemas.update(collect_schemas([META + "ListMeta"]))
        schemas[name]["x-kubernetes-group-version-kind"] = [
            {"group": kind_group, "kind": kind, "version": kind_version}
        ]
    _tag_meta_kinds(schemas)
    return {
        "openapi": "3.0.0",
        "info": {"title": TITLE, "version": VERSION},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _kinds_used(resources: list[Resource]) -> dict[tuple[str, str, str], str]:
    """Schema name of every kind the resources accept or return (objects, their lists and
    their subresources' kinds), keyed by (group, version, kind)."""
    kinds: dict[tuple[str, str, str], str] = {}
    for resource in resources:
        group, version = resource.group_version
        name = schema_name(group, version, resource.kind)
        if name is None:
            continue
        kinds[(group, version, resource.kind)] = name
        if "list" in resource.verbs:
            kinds[(group, version, resource.list_kind)] = name + "List"
        for sub in resource.subresources:
            sub_group, sub_version = sub.group or group, sub.version or version
            sub_name = schema_name(sub_group, sub_version, sub.kind)
            if sub_name is not None:
                kinds.setdefault((sub_group, sub_version, sub.kind), sub_name)
    return kinds


def _tag_meta_kinds(schemas: dict[str, Any]) -> None:
    """Status, DeleteOptions and WatchEvent are kinds of core v1 and of every API group."""
    group_versions = [("", "v1"), *(gv for gv in served_group_versions() if gv[0])]
    for short in ("DeleteOptions", "WatchEvent"):
        if META + short in schemas:
            schemas[META + short]["x-kubernetes-group-version-kind"] = [
                {"group": g, "kind": short, "version": v} for g, v in group_versions
            ]
    if META + "Status" in schemas:
        schemas[META + "Status"]["x-kubernetes-group-version-kind"] = [
            {"group": "", "kind": "Status", "version": "v1"}
        ]
