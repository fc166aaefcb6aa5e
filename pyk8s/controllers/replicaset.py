"""The ReplicaSet controller: keep exactly `spec.replicas` pods matching the selector.

Guarantees:

- Pods are created from `spec.template` with a controller ownerReference, in batches of
  1, 2, 4, ... (a quota or admission failure stops after one failed batch instead of 500);
  at most 500 creations or deletions per reconcile.
- Orphan pods that match the selector are adopted; owned pods that no longer match are
  released (claim.py). Pods of other controllers are never touched.
- Expectations (expectations.py): after asking for N creations or deletions, no further
  creations or deletions happen for that ReplicaSet until the informer has shown all N,
  so a slow watch never makes it over-create.
- Scale-down deletes the least useful pods first (replicaset_pods.deletion_rank).
- `status` (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas,
  observedGeneration) is written only when it changed. Events SuccessfulCreate,
  SuccessfulDelete, FailedCreate, FailedDelete name each pod.

ReplicationControllerController (replication.py) is the same controller over the core
v1 kind, whose selector is a plain label map.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, ClassVar

from pyk8s.api import errors
from pyk8s.api.labels import NOTHING, Selector, selector_from_label_selector
from pyk8s.client.cache import Object, object_key
from pyk8s.controllers.base import Controller, controller_ref, is_being_deleted, is_pod_active
from pyk8s.controllers.claim import claim
from pyk8s.controllers.context import ControllerContext
from pyk8s.controllers.expectations import Expectations
from pyk8s.controllers.registry import register_controller
from pyk8s.controllers.replicaset_pods import pod_from_template, pods_to_delete, replica_status

logger = logging.getLogger("pyk8s.controllers.replicaset")
BURST_REPLICAS = 500


class ReplicaSetController(Controller):
    name = "replicaset"
    group, version, plural, kind = "apps", "v1", "replicasets", "ReplicaSet"
    component: ClassVar[str] = "replicaset-controller"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.expectations = Expectations(ctx.clock)
        self.recorder = ctx.recorder_for(self.component)
        self.owners_api = ctx.resource(self.group, self.version, self.plural)
        self.pods_api = ctx.resource("", "v1", "pods")
        self.owners = ctx.informer(self.group, self.version, self.plural)
        self.pods = ctx.informer("", "v1", "pods")
        self.owners.add_handler(
            on_add=self.enqueue,
            on_update=lambda _old, new: self.enqueue(new),
            on_delete=self._owner_deleted,
        )
        self.pods.add_handler(
            on_add=self._pod_added, on_update=self._pod_updated, on_delete=self._pod_deleted
        )

    def selector_of(self, owner: Object) -> Selector:
        try:
            return selector_from_label_selector(owner["spec"].get("selector"))
        except errors.BadRequest:
            return NOTHING

    # informer handlers

    def _owner_deleted(self, owner: Object) -> None:
        self.expectations.forget(object_key(owner))
        self.enqueue(owner)

    def _owner_key(self, pod: Object) -> str | None:
        """The key of the live owner of this kind that controls `pod`, if any."""
        ref = controller_ref(pod)
        if ref is None or ref.get("kind") != self.kind:
            return None
        owner = self.owners.cache.get_by_name(pod["metadata"].get("namespace"), ref["name"])
        if owner is None or owner["metadata"].get("uid") != ref.get("uid"):
            return None
        return object_key(owner)

    def _enqueue_matching(self, pod: Object) -> None:
        """An orphan changed: wake every owner that might adopt it."""
        labels = pod["metadata"].get("labels") or {}
        for owner in self.owners.cache.by_index("namespace", pod["metadata"]["namespace"]):
            if self.selector_of(owner).matches(labels):
                self.enqueue(owner)

    def _pod_added(self, pod: Object) -> None:
        if is_being_deleted(pod):
            self._pod_deleted(pod)
            return
        key = self._owner_key(pod)
        if key is not None:
            self.expectations.creation_observed(key)
            self.queue.add(key)
        elif controller_ref(pod) is None:
            self._enqueue_matching(pod)

    def _pod_updated(self, old: Object, new: Object) -> None:
        if is_being_deleted(new) and not is_being_deleted(old):
            self._pod_deleted(new)  # terminating: count it gone now, as Kubernetes does
            return
        old_key, new_key = self._owner_key(old), self._owner_key(new)
        if old_key is not None and old_key != new_key:
            self.queue.add(old_key)
        if new_key is not None:
            self.queue.add(new_key)
            owner = self.owners.cache.get(new_key)
            min_ready = (owner or {}).get("spec", {}).get("minReadySeconds") or 0
            if min_ready:
                self.queue.add_after(new_key, min_ready + 1)  # re-check availability
        elif controller_ref(new) is None and old["metadata"].get("labels") != new["metadata"].get(
            "labels"
        ):
            self._enqueue_matching(new)

    def _pod_deleted(self, pod: Object) -> None:
        key = self._owner_key(pod)
        if key is not None:
            self.expectations.deletion_observed(key, pod["metadata"]["uid"])
            self.queue.add(key)

    # reconcile

    async def reconcile(self, key: str) -> None:
        owner = self.owners.cache.get(key)
        if owner is None:
            self.expectations.forget(key)
            return
        needs_sync = self.expectations.satisfied(key)
        namespace = owner["metadata"]["namespace"]
        candidates = self.pods.cache.by_index("namespace", namespace)
        owned = await claim(owner, candidates, self.selector_of(owner), self.pods_api)
        active = [pod for pod in owned if is_pod_active(pod)]
        error: Exception | None = None
        if needs_sync and not is_being_deleted(owner):
            try:
                await self._manage_replicas(key, owner, active)
            except errors.StatusError as failure:
                error = failure
        await self._update_status(owner, active)
        if error is not None:
            raise error

    async def _manage_replicas(self, key: str, owner: Object, active: list[Object]) -> None:
        wanted = owner["spec"].get("replicas", 1)
        diff = len(active) - wanted
        if diff < 0:
            await self._create_pods(key, owner, min(-diff, BURST_REPLICAS))
        elif diff > 0:
            now = self.clock.now().timestamp()
            victims = pods_to_delete(active, min(diff, BURST_REPLICAS), now)
            await self._delete_pods(key, owner, victims)

    async def _create_pods(self, key: str, owner: Object, count: int) -> None:
        self.expectations.expect_creations(key, count)
        template = owner["spec"].get("template") or {}
        namespace = owner["metadata"]["namespace"]
        remaining, batch = count, 1
        while remaining > 0:
            size = min(batch, remaining)
            results = await asyncio.gather(
                *(self._create_one(owner, template, namespace) for _ in range(size)),
                return_exceptions=True,
            )
            failures = [r for r in results if isinstance(r, BaseException)]
            for _ in failures:
                self.expectations.creation_observed(key)
            remaining -= size
            if failures:
                for _ in range(remaining):  # never attempted: never expected
                    self.expectations.creation_observed(key)
                raise failures[0]
            batch *= 2

    async def _create_one(self, owner: Object, template: dict[str, Any], namespace: str) -> None:
        try:
            pod = await self.pods_api.create(pod_from_template(owner, template), namespace)
        except errors.StatusError as error:
            self.recorder.event(owner, "Warning", "FailedCreate", f"Error creating: {error}")
            raise
        self.recorder.event(
            owner, "Normal", "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}"
        )

    async def _delete_pods(self, key: str, owner: Object, victims: list[Object]) -> None:
        self.expectations.expect_deletions(key, {pod["metadata"]["uid"] for pod in victims})
        results = await asyncio.gather(
            *(self._delete_one(key, owner, pod) for pod in victims), return_exceptions=True
        )
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            raise failures[0]

    async def _delete_one(self, key: str, owner: Object, pod: Object) -> None:
        meta = pod["metadata"]
        try:
            await self.pods_api.delete(
                meta["name"], meta["namespace"], preconditions={"uid": meta["uid"]}
            )
        except errors.NotFound:
            self.expectations.deletion_observed(key, meta["uid"])
            return
        except errors.StatusError as error:
            self.expectations.deletion_observed(key, meta["uid"])
            self.recorder.event(owner, "Warning", "FailedDelete", f"Error deleting: {error}")
            raise
        self.recorder.event(owner, "Normal", "SuccessfulDelete", f"Deleted pod: {meta['name']}")

    async def _update_status(self, owner: Object, active: list[Object]) -> None:
        min_ready = owner["spec"].get("minReadySeconds") or 0
        now = self.clock.now().timestamp()
        status = replica_status(owner, active, min_ready, now)
        if owner.get("status") == status:
            return
        updated = {**owner, "status": status}
        try:
            await self.owners_api.update_status(updated)
        except errors.NotFound:
            return
        except errors.Conflict:
            self.queue.add(object_key(owner))  # a newer version is on its way; redo then
        if min_ready and status["readyReplicas"] != status["availableReplicas"]:
            self.queue.add_after(object_key(owner), min_ready)


register_controller(ReplicaSetController.name, ReplicaSetController)
