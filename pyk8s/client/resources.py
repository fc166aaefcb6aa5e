"""Verbs on one resource: get, list, create, update, update_status, patch, delete, watch.

A ResourceClient knows where its resource lives (`/api/v1` for the core group,
`/apis/<group>/<version>` otherwise) and whether it is namespaced. Objects go in and come out
as plain dicts, exactly as the API server sends them.

Namespaces: `list` and `watch` with `namespace=None` cover every namespace (kubectl's
`--all-namespaces`); verbs on one object take the namespace from the argument, else from
the object's metadata, and refuse to guess.

`watch(...)` returns a WatchStream: an async iterator of `(type, object)` pairs (ADDED,
MODIFIED, DELETED, and BOOKMARK when asked for) that ends quietly when the server closes
the stream or the connection drops, and raises the typed error of an ERROR event (a 410
Gone when the requested resourceVersion has been compacted away).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson

from pyk8s.client.status import error_from_status
from pyk8s.client.transport import HTTPResponse, TransportError

if TYPE_CHECKING:
    from pyk8s.client.rest import Client

logger = logging.getLogger("pyk8s.client")

PATCH_TYPES = {
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "json": "application/json-patch+json",
    "apply": "application/apply-patch+yaml",  # a JSON body is valid YAML
}


class ResourceClient:
    def __init__(
        self, client: Client, group: str, version: str, plural: str, namespaced: bool
    ) -> None:
        self.client = client
        self.group, self.version, self.plural = group, version, plural
        self.namespaced = namespaced
        self._root = f"/apis/{group}/{version}" if group else f"/api/{version}"

    @classmethod
    def lookup(
        cls, client: Client, group: str, version: str, plural: str, namespaced: bool | None
    ) -> ResourceClient:
        if namespaced is None:
            import pyk8s.api.kinds  # noqa: F401  (registers the built-in resources)
            from pyk8s.api.resource import find

            known = find(group, version, plural)
            if known is None:
                raise LookupError(
                    f"unknown resource {plural} in {group or 'core'}/{version}; "
                    "pass namespaced= explicitly"
                )
            namespaced = known.namespaced
        return cls(client, group, version, plural, namespaced)

    def path(self, namespace: str | None = None, name: str = "", subresource: str = "") -> str:
        parts = [self._root]
        if self.namespaced and namespace:
            parts.append(f"namespaces/{namespace}")
        parts.append(self.plural)
        if name:
            parts.append(name)
        if subresource:
            parts.append(subresource)
        return "/".join(parts)

    def _namespace_of(self, namespace: str | None, obj: dict[str, Any] | None = None) -> str | None:
        if not self.namespaced:
            return None
        namespace = namespace or (obj or {}).get("metadata", {}).get("namespace")
        if not namespace:
            raise ValueError(f"{self.plural} are namespaced: a namespace is required")
        return namespace

    async def get(self, name: str, namespace: str | None = None) -> dict[str, Any]:
        return await self.client.request("GET", self.path(self._namespace_of(namespace), name))

    async def list(
        self,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_token: str | None = None,
        resource_version: str | None = None,
    ) -> dict[str, Any]:
        params = {
            "labelSelector": label_selector,
            "fieldSelector": field_selector,
            "limit": limit,
            "continue": continue_token,
            "resourceVersion": resource_version,
        }
        return await self.client.request("GET", self.path(namespace), params=params)

    async def create(
        self,
        obj: dict[str, Any],
        namespace: str | None = None,
        *,
        field_manager: str | None = None,
    ) -> dict[str, Any]:
        path = self.path(self._namespace_of(namespace, obj))
        params = {"fieldManager": field_manager}
        return await self.client.request("POST", path, params=params, body=obj)

    async def update(
        self,
        obj: dict[str, Any],
        namespace: str | None = None,
        *,
        subresource: str = "",
        field_manager: str | None = None,
    ) -> dict[str, Any]:
        """PUT the whole object; its metadata.resourceVersion makes the write conditional."""
        name = obj["metadata"]["name"]
        path = self.path(self._namespace_of(namespace, obj), name, subresource)
        params = {"fieldManager": field_manager}
        return await self.client.request("PUT", path, params=params, body=obj)

    async def update_status(
        self, obj: dict[str, Any], namespace: str | None = None, *, field_manager: str | None = None
    ) -> dict[str, Any]:
        return await self.update(obj, namespace, subresource="status", field_manager=field_manager)

    async def patch(
        self,
        name: str,
        patch: dict[str, Any] | Sequence[Any],
        namespace: str | None = None,
        *,
        patch_type: str = "merge",
        subresource: str = "",
        field_manager: str | None = None,
        force: bool | None = None,
    ) -> dict[str, Any]:
        """patch_type: "merge" (RFC 7386), "strategic", "json" (RFC 6902) or "apply"."""
        if patch_type not in PATCH_TYPES:
            raise ValueError(f"patch_type must be one of {sorted(PATCH_TYPES)}")
        if patch_type == "apply" and not field_manager:
            raise ValueError("a server-side apply needs a field_manager")
        path = self.path(self._namespace_of(namespace), name, subresource)
        params = {"fieldManager": field_manager, "force": force}
        return await self.client.request(
            "PATCH", path, params=params, body=patch, content_type=PATCH_TYPES[patch_type]
        )

    async def delete(
        self,
        name: str,
        namespace: str | None = None,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Returns the object (still there while finalizers run) or a Success Status."""
        options: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation_policy:
            options["propagationPolicy"] = propagation_policy
        if grace_period_seconds is not None:
            options["gracePeriodSeconds"] = grace_period_seconds
        if preconditions:
            options["preconditions"] = preconditions
        path = self.path(self._namespace_of(namespace), name)
        return await self.client.request("DELETE", path, body=options)

    def watch(
        self,
        namespace: str | None = None,
        *,
        resource_version: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        timeout_seconds: int | None = None,
        allow_bookmarks: bool = False,
    ) -> WatchStream:
        params = {
            "watch": "true",
            "resourceVersion": resource_version,
            "labelSelector": label_selector,
            "fieldSelector": field_selector,
            "timeoutSeconds": timeout_seconds,
            "allowWatchBookmarks": True if allow_bookmarks else None,
        }
        return WatchStream(self.client, self.path(namespace), params)


class WatchStream:
    """`async for kind, obj in stream`; or `async with stream:` to close it early for sure."""

    def __init__(self, client: Client, path: str, params: dict[str, Any]) -> None:
        self._client, self._path, self._params = client, path, params
        self._response: HTTPResponse | None = None
        self._lines: Any = None
        self._closed = False

    async def __aenter__(self) -> WatchStream:
        await self._connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()

    def __aiter__(self) -> WatchStream:
        return self

    async def _connect(self) -> None:
        if self._response is None and not self._closed:
            self._response = await self._client.send("GET", self._path, self._params, timeout=None)
            self._lines = self._response.lines()

    async def __anext__(self) -> tuple[str, dict[str, Any]]:
        await self._connect()
        while not self._closed:
            try:
                line = await self._lines.__anext__()
            except (StopAsyncIteration, TransportError) as end:
                logger.debug("watch %s ended: %r", self._path, end)
                break
            if not line.strip():
                continue
            event = orjson.loads(line)
            if event.get("type") == "ERROR":
                self.close()
                raise error_from_status(event.get("object") or {})
            return event["type"], event["object"]
        self.close()
        raise StopAsyncIteration

    def close(self) -> None:
        self._closed = True
        if self._response is not None:
            self._response.close()
            self._response = None
