"""The namespace controller: empty a terminating namespace, then let it go.

When a namespace is deleted the API server only marks it (phase Terminating). This
controller then deletes every object inside it, of every namespaced resource the API
server stores (pyk8s.api.resource.RESOURCES), with a DELETE on each collection. Objects
that linger (finalizers, graceful pod termination) are waited for: the namespace is
re-checked every few seconds (and what is left is logged). Once nothing remains, the "kubernetes" finalizer is removed through
`/finalize`, and the API server deletes the namespace itself.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from pyk8s.api import errors
from pyk8s.api.resource import RESOURCES, Resource
from pyk8s.client.cache import Object
from pyk8s.controllers.base import Controller, is_being_deleted
from pyk8s.controllers.context import ControllerContext
from pyk8s.controllers.registry import register_controller

logger = logging.getLogger("pyk8s.controllers.namespace")
FINALIZER = "kubernetes"
RECHECK_SECONDS = 2.0
BACKGROUND = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"}


def namespaced_content() -> list[Resource]:
    return [
        r
        for r in RESOURCES
        if r.namespaced and r.stored and "delete" in r.verbs and "list" in r.verbs
    ]


class NamespaceController(Controller):
    name = "namespace"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.namespaces_api = ctx.resource("", "v1", "namespaces")
        self.namespaces = ctx.informer("", "v1", "namespaces")
        self.namespaces.add_handler(
            on_add=self.enqueue, on_update=lambda _old, new: self.enqueue(new)
        )

    async def reconcile(self, key: str) -> None:
        namespace = self.namespaces.cache.get(key)
        if namespace is None or not is_being_deleted(namespace):
            return
        if FINALIZER not in ((namespace.get("spec") or {}).get("finalizers") or []):
            return
        remaining = await self._delete_content(key)
        if remaining:
            logger.info("namespace %s: waiting for %s", key, remaining)
            self.queue.add_after(key, RECHECK_SECONDS)
            return
        await self._finalize(namespace)

    async def _delete_content(self, namespace: str) -> dict[str, int]:
        """Delete everything inside; return what is still there, by resource."""
        remaining: dict[str, int] = {}
        for resource in namespaced_content():
            api = self.client.resource_of(resource)
            listed = await api.list(namespace)
            if not listed.get("items"):
                continue
            with contextlib.suppress(errors.NotFound, errors.MethodNotAllowed):
                await self.client.request("DELETE", api.path(namespace), body=BACKGROUND)
            left = (await api.list(namespace)).get("items") or []
            if left:
                remaining[
                    resource.plural if not resource.group else f"{resource.plural}.{resource.group}"
                ] = len(left)
        return remaining

    async def _finalize(self, namespace: Object) -> None:
        spec: dict[str, Any] = dict(namespace.get("spec") or {})
        spec["finalizers"] = [f for f in spec.get("finalizers") or [] if f != FINALIZER]
        body = {**namespace, "spec": spec}
        path = self.namespaces_api.path(None, namespace["metadata"]["name"], "finalize")
        try:
            # A 404 while the namespace is cached means the server lacks /finalize: raise,
            # so the failure is logged and retried rather than silently dropped.
            await self.client.request("PUT", path, body=body)
        except errors.Conflict:
            self.queue.add_rate_limited(namespace["metadata"]["name"])


register_controller(NamespaceController.name, NamespaceController)
