"""Discovery documents, derived from the registered resources (pyk8s/api/resource.py).

Two forms, chosen by the client's Accept header (kubectl-contract §2):

- *aggregated* (`apidiscovery.k8s.io` v2 or v2beta1): `/api` and `/apis` each list every
  group, version, resource and subresource in one document. kubectl reads it only when the
  response Content-Type carries `g`, `v` and `as`, and drops entries without `responseKind`.
- *legacy*: `/api` (APIVersions), `/apis` (APIGroupList), `/apis/<group>` (APIGroup) and one
  APIResourceList per group-version, which kubectl fetches one by one.

The core group comes first, then the other groups in the order their kinds registered; a
group's versions are newest-preferred first (GA before beta before alpha).
"""

from __future__ import annotations

import re
from typing import Any

from pyk8s.api.resource import RESOURCES, Resource

_VERSION = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")
_STABILITY = {None: 2, "beta": 1, "alpha": 0}


def version_priority(version: str) -> tuple[int, int, int]:
    """Sort key, highest first: v2 > v1 > v1beta2 > v1beta1 > v1alpha1 > anything else."""
    match = _VERSION.match(version)
    if not match:
        return (-1, 0, 0)
    major, stability, minor = match.groups()
    return (_STABILITY[stability], int(major), int(minor or 0))


def groups() -> dict[str, list[str]]:
    """Group name → its versions, preferred first. "" is the core group."""
    found: dict[str, list[str]] = {}
    for resource in RESOURCES:
        versions = found.setdefault(resource.group, [])
        if resource.version not in versions:
            versions.append(resource.version)
    for versions in found.values():
        versions.sort(key=version_priority, reverse=True)
    return found


def resources_of(group: str, version: str) -> list[Resource]:
    return [r for r in RESOURCES if r.group == group and r.version == version]


# ---- legacy documents ----------------------------------------------------------------


def api_versions(server_address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": groups().get("", []),
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def api_group(name: str, versions: list[str]) -> dict[str, Any]:
    entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": entries, "preferredVersion": entries[0]}


def api_group_list() -> dict[str, Any]:
    found = [api_group(name, versions) for name, versions in groups().items() if name]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": found}


def api_group_document(name: str) -> dict[str, Any] | None:
    versions = groups().get(name)
    if not name or not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **api_group(name, versions)}


def api_resource_list(group: str, version: str) -> dict[str, Any] | None:
    found = resources_of(group, version)
    if not found:
        return None
    entries: list[dict[str, Any]] = []
    for resource in found:
        entry: dict[str, Any] = {
            "name": resource.plural,
            "singularName": resource.singular,
            "namespaced": resource.namespaced,
            "kind": resource.kind,
            "verbs": list(resource.verbs),
        }
        if resource.short_names:
            entry["shortNames"] = list(resource.short_names)
        if resource.categories:
            entry["categories"] = list(resource.categories)
        entries.append(entry)
        for sub in resource.subresources:
            sub_entry: dict[str, Any] = {
                "name": f"{resource.plural}/{sub.name}",
                "singularName": "",
                "namespaced": resource.namespaced,
                "kind": sub.kind,
                "verbs": list(sub.verbs),
            }
            if sub.group or sub.version:
                sub_entry["group"], sub_entry["version"] = sub.group, sub.version
            entries.append(sub_entry)
    group_version = f"{group}/{version}" if group else version
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": entries,
    }


# ---- aggregated documents --------------------------------------------------------------


def _aggregated_resource(resource: Resource) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "resource": resource.plural,
        "responseKind": {
            "group": resource.group,
            "version": resource.version,
            "kind": resource.kind,
        },
        "scope": "Namespaced" if resource.namespaced else "Cluster",
        "singularResource": resource.singular,
        "verbs": list(resource.verbs),
    }
    if resource.short_names:
        entry["shortNames"] = list(resource.short_names)
    if resource.categories:
        entry["categories"] = list(resource.categories)
    if resource.subresources:
        entry["subresources"] = [
            {
                "subresource": sub.name,
                "responseKind": {
                    "group": sub.group if sub.group or sub.version else resource.group,
                    "version": sub.version or resource.version,
                    "kind": sub.kind,
                },
                "verbs": list(sub.verbs),
            }
            for sub in resource.subresources
        ]
    return entry


def aggregated(core: bool, version: str) -> dict[str, Any]:
    """The APIGroupDiscoveryList for `/api` (core=True) or `/apis`, as `v2` or `v2beta1`."""
    items = []
    for name, versions in groups().items():
        if (name == "") != core:
            continue
        items.append(
            {
                "metadata": {"name": name, "creationTimestamp": None},
                "versions": [
                    {
                        "version": v,
                        "freshness": "Current",
                        "resources": [_aggregated_resource(r) for r in resources_of(name, v)],
                    }
                    for v in versions
                ],
            }
        )
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": f"apidiscovery.k8s.io/{version}",
        "metadata": {},
        "items": items,
    }


def aggregated_content_type(version: str) -> str:
    return f"application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList"
