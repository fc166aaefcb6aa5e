"""The garbage collector: delete what lost its owners, across every resource kind.

It watches every stored, deletable resource (pyk8s.api.resource.RESOURCES, except Events)
and keys work by object uid. For each object it enforces the ownerReferences rules:

- **Background** (the default): an object all of whose owners are gone is deleted. An
  owner counts as gone only after a live GET confirms it (the cache may lag), so a slow
  watch never causes a wrong deletion. Owners that still exist keep it; references to
  gone owners are removed while any owner remains.
- **Foreground**: an owner being deleted with the `foregroundDeletion` finalizer first has
  its dependents deleted (themselves in the foreground, so whole trees go bottom-up); the
  finalizer is removed, letting the owner go, once no dependent with
  `blockOwnerDeletion: true` remains.
- **Orphan**: an owner being deleted with the `orphan` finalizer has its reference removed
  from every dependent, then the finalizer removed; the dependents live on.

Every step is a conditional or idempotent write, repeated until the state converges.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from pyk8s.api import errors
from pyk8s.api.resource import RESOURCES, Resource, find_kind
from pyk8s.client.cache import Object, object_key
from pyk8s.client.informer import Informer
from pyk8s.client.resources import ResourceClient
from pyk8s.controllers.base import Controller, is_being_deleted
from pyk8s.controllers.context import ControllerContext
from pyk8s.controllers.registry import register_controller

logger = logging.getLogger("pyk8s.controllers.garbagecollector")
ORPHAN, FOREGROUND = "orphan", "foregroundDeletion"
IGNORED = {("", "events"), ("events.k8s.io", "events")}


def collectable(resource: Resource) -> bool:
    return (
        resource.stored
        and "watch" in resource.verbs
        and "delete" in resource.verbs
        and (resource.group, resource.plural) not in IGNORED
    )


class GarbageCollector(Controller):
    name = "garbage-collector"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.where: dict[str, tuple[Resource, str]] = {}  # uid -> (resource, cache key)
        self.informers: dict[tuple[str, str], Informer] = {}
        for resource in RESOURCES:
            if collectable(resource):
                self._watch(resource)

    def _watch(self, resource: Resource) -> None:
        informer = self.ctx.informer(
            resource.group, resource.version, resource.plural, indexers=["owner"]
        )
        self.informers[(resource.api_version, resource.kind)] = informer

        def added(obj: Object) -> None:
            self.where[obj["metadata"]["uid"]] = (resource, object_key(obj))
            self._changed(obj)

        def deleted(obj: Object) -> None:
            uid = obj["metadata"]["uid"]
            self.where.pop(uid, None)
            self._enqueue_dependents(uid)
            self._enqueue_owners(obj)

        informer.add_handler(
            on_add=added, on_update=lambda _old, new: added(new), on_delete=deleted
        )

    def _changed(self, obj: Object) -> None:
        meta = obj["metadata"]
        if meta.get("ownerReferences") or set(meta.get("finalizers") or []) & {ORPHAN, FOREGROUND}:
            self.queue.add(meta["uid"])
        if is_being_deleted(obj):
            self._enqueue_owners(obj)

    def _enqueue_owners(self, obj: Object) -> None:
        for ref in obj["metadata"].get("ownerReferences") or []:
            self.queue.add(ref["uid"])

    def _enqueue_dependents(self, uid: str) -> None:
        for dependent in self._dependents(uid):
            self.queue.add(dependent["metadata"]["uid"])

    def _dependents(self, uid: str) -> list[Object]:
        return [
            obj
            for informer in self.informers.values()
            for obj in informer.cache.by_index("owner", uid)
        ]

    def _lookup(self, uid: str) -> tuple[Resource, Object] | None:
        location = self.where.get(uid)
        if location is None:
            return None
        resource, key = location
        obj = self.informers[(resource.api_version, resource.kind)].cache.get(key)
        if obj is None or obj["metadata"]["uid"] != uid:
            return None
        return resource, obj

    def _api(self, resource: Resource) -> ResourceClient:
        return self.client.resource_of(resource)

    # reconcile

    async def reconcile(self, uid: str) -> None:
        found = self._lookup(uid)
        if found is None:
            return
        resource, obj = found
        finalizers = obj["metadata"].get("finalizers") or []
        if is_being_deleted(obj) and ORPHAN in finalizers:
            await self._orphan_dependents(resource, obj)
            return
        if is_being_deleted(obj) and FOREGROUND in finalizers:
            await self._delete_dependents_first(resource, obj)
            return
        if obj["metadata"].get("ownerReferences"):
            await self._check_owners(resource, obj)

    async def _orphan_dependents(self, resource: Resource, owner: Object) -> None:
        uid = owner["metadata"]["uid"]
        for dependent in self._dependents(uid):
            await self._remove_owner_refs(dependent, {uid})
        await self._remove_finalizer(resource, owner, ORPHAN)

    async def _delete_dependents_first(self, resource: Resource, owner: Object) -> None:
        uid = owner["metadata"]["uid"]
        blocking = 0
        for dependent in self._dependents(uid):
            ref = next(r for r in dependent["metadata"]["ownerReferences"] if r["uid"] == uid)
            if ref.get("blockOwnerDeletion"):
                blocking += 1
            if not is_being_deleted(dependent):
                await self._delete(dependent, "Foreground")
        if blocking == 0:
            await self._remove_finalizer(resource, owner, FOREGROUND)

    async def _check_owners(self, resource: Resource, obj: Object) -> None:
        solid, gone, waiting = [], [], []
        for ref in obj["metadata"]["ownerReferences"]:
            state = await self._owner_state(obj, ref)
            {"solid": solid, "gone": gone, "waiting": waiting}[state].append(ref)
        if solid:
            if gone or waiting:
                await self._remove_owner_refs(obj, {r["uid"] for r in gone + waiting})
            return
        if not gone and not waiting:
            return
        if is_being_deleted(obj):
            return
        # Owned by someone being deleted in the foreground: go the same way, so our own
        # dependents are deleted before us.
        policy = (
            "Foreground" if waiting and self._dependents(obj["metadata"]["uid"]) else "Background"
        )
        await self._delete(obj, policy)

    async def _owner_state(self, dependent: Object, ref: dict[str, Any]) -> str:
        found = self._lookup(ref["uid"])
        if found is None:
            owner = await self._live_owner(dependent, ref)
            if owner is None:
                return "gone"
        else:
            owner = found[1]
        finalizers = owner["metadata"].get("finalizers") or []
        if is_being_deleted(owner) and FOREGROUND in finalizers:
            return "waiting"
        return "solid"

    async def _live_owner(self, dependent: Object, ref: dict[str, Any]) -> Object | None:
        """The owner as the API server has it now (the cache may simply lag), or None."""
        resource = find_kind(ref.get("apiVersion", ""), ref.get("kind", ""))
        if resource is None:
            return None
        namespace = dependent["metadata"].get("namespace") if resource.namespaced else None
        if resource.namespaced and not namespace:
            return None  # a cluster-scoped object cannot be owned by a namespaced one
        try:
            owner = await self._api(resource).get(ref["name"], namespace)
        except errors.NotFound:
            return None
        return owner if owner["metadata"].get("uid") == ref["uid"] else None

    # writes

    async def _delete(self, obj: Object, policy: str) -> None:
        meta = obj["metadata"]
        resource = self.where.get(meta["uid"], (None, ""))[0]
        if resource is None:
            return
        logger.info("deleting %s %s (%s)", resource.kind, object_key(obj), policy)
        with contextlib.suppress(errors.NotFound, errors.Conflict):
            await self._api(resource).delete(
                meta["name"], meta.get("namespace"), propagation_policy=policy,
                preconditions={"uid": meta["uid"]},
            )  # fmt: skip

    async def _remove_owner_refs(self, obj: Object, uids: set[str]) -> None:
        meta = obj["metadata"]
        resource = self.where.get(meta["uid"], (None, ""))[0]
        if resource is None:
            return
        removals = [{"$patch": "delete", "uid": uid} for uid in sorted(uids)]
        patch = {"metadata": {"ownerReferences": removals, "uid": meta["uid"]}}
        # A Conflict propagates: the reconcile is retried, and an orphaning owner keeps its
        # finalizer until every reference is really gone (else its dependents would look
        # abandoned once it is deleted, and be collected).
        with contextlib.suppress(errors.NotFound):
            await self._api(resource).patch(
                meta["name"], patch, meta.get("namespace"), patch_type="strategic"
            )

    async def _remove_finalizer(self, resource: Resource, obj: Object, finalizer: str) -> None:
        meta = obj["metadata"]
        kept = [f for f in meta.get("finalizers") or [] if f != finalizer]
        patch = {
            "metadata": {"finalizers": kept or None, "resourceVersion": meta["resourceVersion"]}
        }
        try:
            await self._api(resource).patch(meta["name"], patch, meta.get("namespace"))
        except errors.NotFound:
            return
        except errors.Conflict:
            self.queue.add_rate_limited(meta["uid"])


register_controller(GarbageCollector.name, GarbageCollector)
