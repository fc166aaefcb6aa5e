"""Turn a request path and method into what Kubernetes calls its *request info*.

Every later decision (which resource, which verb, which handler, what admission sees) is
made from a `RequestInfo`, never from the raw URL. The rules are Kubernetes' own:

- `/api/v1/...` is the core group, `/apis/<group>/<version>/...` every other group;
  anything else (`/version`, `/healthz`, `/openapi/v3`, and `/api`, `/apis` themselves) is a
  *non-resource* request.
- `/namespaces/<ns>/<resource>/...` scopes the request to a namespace;
  `/namespaces/<ns>` alone (or with `status`/`finalize`) is the namespace object itself.
- The legacy `/watch/` segment after the version, or `?watch=true` on a collection GET,
  makes the verb `watch`.
- The verb comes from the method: GET is `get` on an object and `list` on a collection,
  POST `create`, PUT `update`, PATCH `patch`, DELETE `delete` or `deletecollection`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# Subresources of a namespace that keep the path on the namespace object itself.
_NAMESPACE_SUBRESOURCES = ("status", "finalize")

_METHOD_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch"}


@dataclass(frozen=True, slots=True)
class RequestInfo:
    path: str
    is_resource_request: bool
    verb: str = ""
    api_prefix: str = ""  # "api" or "apis"
    group: str = ""
    version: str = ""
    namespace: str = ""
    resource: str = ""
    name: str = ""
    subresource: str = ""
    # Path segments after the subresource (`services/web/proxy/<rest>`), kept for proxies.
    rest: tuple[str, ...] = ()
    # True when the watch came through the legacy `/watch/` path segment.
    legacy_watch: bool = False


def _is_truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("true", "1")


def parse_request_info(method: str, path: str, query: Mapping[str, str]) -> RequestInfo:
    """Classify one request; never raises (unknown shapes become non-resource requests)."""
    parts = [p for p in path.strip("/").split("/") if p]
    if not parts or parts[0] not in ("api", "apis"):
        return RequestInfo(path, is_resource_request=False, verb=method.lower())
    prefix = parts[0]
    if prefix == "api":
        if len(parts) < 3:  # /api and /api/v1 are discovery documents
            return RequestInfo(path, False, method.lower(), prefix, "", *parts[1:2])
        group, version, parts = "", parts[1], parts[2:]
    else:
        if len(parts) < 4:  # /apis, /apis/<group>, /apis/<group>/<version>
            return RequestInfo(path, False, method.lower(), prefix, *parts[1:3])
        group, version, parts = parts[1], parts[2], parts[3:]

    legacy_watch = parts[0] == "watch"
    if legacy_watch:
        parts = parts[1:]
        if not parts:
            return RequestInfo(path, False, method.lower(), prefix, group, version)

    namespace = ""
    if parts[0] == "namespaces" and len(parts) > 1:
        namespace = parts[1]
        if len(parts) > 2 and parts[2] not in _NAMESPACE_SUBRESOURCES:
            parts = parts[2:]
        else:
            namespace = ""  # the namespace object itself is cluster-scoped

    resource = parts[0]
    name = parts[1] if len(parts) > 1 else ""
    subresource = parts[2] if len(parts) > 2 else ""
    rest = tuple(parts[3:])

    # `?watch=true` turns only a collection GET into a watch; `/watch/` turns any GET into one.
    watch = legacy_watch or (not name and _is_truthy(query.get("watch")))
    verb = _verb(method.upper(), bool(name), watch)
    return RequestInfo(
        path=path,
        is_resource_request=True,
        verb=verb,
        api_prefix=prefix,
        group=group,
        version=version,
        namespace=namespace,
        resource=resource,
        name=name,
        subresource=subresource,
        rest=rest,
        legacy_watch=legacy_watch,
    )


def _verb(method: str, has_name: bool, watch: bool) -> str:
    if method in ("GET", "HEAD"):
        if watch:
            return "watch"
        return "get" if has_name else "list"
    if method == "DELETE":
        return "delete" if has_name else "deletecollection"
    return _METHOD_VERBS.get(method, method.lower())
