"""The StatefulSet controller: pods with stable names and storage, started and updated in order.

What it guarantees for every StatefulSet of `replicas` N (identity: statefulset_pods.py):

- Pods `<sts>-0` .. `<sts>-(N-1)` exist, each with its volume claims created first.
- OrderedReady (the default): pod k is created only once pods 0..k-1 are Running and
  Ready; on scale-down the highest ordinal goes first, one at a time, and only while the
  others are healthy. Parallel: all pods are created or deleted at once.
- A failed or finished pod is deleted and created again under the same name.
- RollingUpdate: once every pod is healthy, pods whose `controller-revision-hash` is not
  the update revision are deleted one at a time from the highest ordinal down to
  `partition` (those below keep the current revision), each waiting for the previous to
  come back Ready. OnDelete: old pods stay until a user deletes them.
- Status: replicas, readyReplicas, availableReplicas, currentReplicas, updatedReplicas,
  currentRevision, updateRevision, observedGeneration: what `kubectl rollout status sts`
  follows. currentRevision becomes the update revision once every pod runs it.
"""

from __future__ import annotations

import logging
from typing import Any

from pyk8s.api import errors
from pyk8s.client.cache import Object
from pyk8s.controllers import statefulset_pods as identity
from pyk8s.controllers.base import Controller, controller_ref, is_being_deleted, is_pod_ready
from pyk8s.controllers.context import ControllerContext
from pyk8s.controllers.daemonset_revisions import REVISION_HASH_LABEL, sync_revisions, template_of
from pyk8s.controllers.registry import register_controller
from pyk8s.controllers.replicaset_pods import is_pod_available

logger = logging.getLogger("pyk8s.controllers.statefulset")


class StatefulSetController(Controller):
    name = "statefulset"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.statefulsets = ctx.informer("apps", "v1", "statefulsets")
        self.pods = ctx.informer("", "v1", "pods", indexers=["owner"])
        self.revisions = ctx.informer("apps", "v1", "controllerrevisions")
        self.statefulsets_api = ctx.resource("apps", "v1", "statefulsets")
        self.pods_api = ctx.resource("", "v1", "pods")
        self.claims_api = ctx.resource("", "v1", "persistentvolumeclaims")
        self.revisions_api = ctx.resource("apps", "v1", "controllerrevisions")
        self.recorder = ctx.recorder_for("statefulset-controller")
        self.enqueue_on_changes(self.statefulsets)
        self.pods.add_handler(
            on_add=lambda pod: self.enqueue_owner(pod, "StatefulSet"),
            on_update=lambda _old, new: self.enqueue_owner(new, "StatefulSet"),
            on_delete=lambda pod: self.enqueue_owner(pod, "StatefulSet"),
        )

    async def reconcile(self, key: str) -> None:
        try:
            await self._sync(key)
        except errors.Conflict:
            logger.debug("statefulset %s changed while we worked on it; will look again", key)

    async def _sync(self, key: str) -> None:
        sts = self.statefulsets.cache.get(key)
        if sts is None or is_being_deleted(sts):
            return
        uid = sts["metadata"]["uid"]
        pods = [
            p
            for p in self.pods.cache.by_index("owner", uid)
            if (controller_ref(p) or {}).get("uid") == uid
        ]
        in_use = {h for p in pods if (h := identity.revision_of(p))}
        revisions = self.revisions.cache.by_index("namespace", sts["metadata"]["namespace"])
        update = await sync_revisions(self.revisions_api, sts, revisions, in_use)
        current_name = (sts.get("status") or {}).get("currentRevision") or update["metadata"][
            "name"
        ]
        current = next((r for r in revisions if r["metadata"]["name"] == current_name), update)
        by_ordinal: dict[int, Object] = {}
        for pod in pods:
            ordinal = identity.ordinal_of(sts, pod)
            if ordinal is not None:
                by_ordinal[ordinal] = pod
        await self._converge(sts, by_ordinal, current, update)
        await self._write_status(sts, list(by_ordinal.values()), current, update)

    async def _converge(
        self, sts: Object, pods: dict[int, Object], current: Object, update: Object
    ) -> None:
        """One step toward the desired pods; OrderedReady stops at the first pod it waits for."""
        spec = sts["spec"]
        replicas = spec.get("replicas", 1)
        ordered = spec.get("podManagementPolicy", "OrderedReady") != "Parallel"
        strategy = spec.get("updateStrategy") or {}
        partition = (strategy.get("rollingUpdate") or {}).get("partition", 0)
        for ordinal in range(replicas):
            pod = pods.get(ordinal)
            if pod is None:
                revision = current if ordinal < partition else update
                pods[ordinal] = await self._create(sts, ordinal, revision)
                if ordered:
                    return
            elif identity.has_finished(pod) and not is_being_deleted(pod):
                await self._delete(sts, pod)  # recreated under the same name next time
                if ordered:
                    return
            elif ordered and (is_being_deleted(pod) or not identity.is_running_and_ready(pod)):
                return
        for ordinal in sorted((o for o in pods if o >= replicas), reverse=True):
            if not is_being_deleted(pods[ordinal]):
                await self._delete(sts, pods[ordinal])
            if ordered:
                return
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return
        update_hash = update["metadata"]["labels"][REVISION_HASH_LABEL]
        for ordinal in range(replicas - 1, partition - 1, -1):
            pod = pods.get(ordinal)
            if pod is None or is_being_deleted(pod) or not identity.is_running_and_ready(pod):
                return  # wait for it before touching the next one
            if identity.revision_of(pod) != update_hash:
                await self._delete(sts, pod)
                return

    async def _create(self, sts: Object, ordinal: int, revision: Object) -> Object:
        revision_hash = revision["metadata"]["labels"][REVISION_HASH_LABEL]
        pod = identity.new_pod(sts, template_of(revision), ordinal, revision_hash)
        name, sts_name = pod["metadata"]["name"], sts["metadata"]["name"]
        for claim in identity.claims_for(sts, ordinal):
            try:
                await self.claims_api.create(claim)
            except errors.AlreadyExists:
                continue  # claims outlive pods: a replacement reuses its predecessor's
            claim_name = claim["metadata"]["name"]
            self.recorder.event(
                sts,
                "Normal",
                "SuccessfulCreate",
                f"create Claim {claim_name} Pod {name} in StatefulSet {sts_name} success",
            )
        try:
            created = await self.pods_api.create(pod)
        except errors.AlreadyExists:
            return await self.pods_api.get(name, sts["metadata"]["namespace"])
        self.recorder.event(
            sts,
            "Normal",
            "SuccessfulCreate",
            f"create Pod {name} in StatefulSet {sts_name} successful",
        )
        return created

    async def _delete(self, sts: Object, pod: Object) -> None:
        name = pod["metadata"]["name"]
        try:
            await self.pods_api.delete(
                name, pod["metadata"]["namespace"], preconditions={"uid": pod["metadata"]["uid"]}
            )
        except (errors.NotFound, errors.Conflict):
            return
        sts_name = sts["metadata"]["name"]
        self.recorder.event(
            sts,
            "Normal",
            "SuccessfulDelete",
            f"delete Pod {name} in StatefulSet {sts_name} successful",
        )

    async def _write_status(
        self, sts: Object, pods: list[Object], current: Object, update: Object
    ) -> None:
        now = self.clock.now().timestamp()
        min_ready = sts["spec"].get("minReadySeconds", 0)
        live = [p for p in pods if not is_being_deleted(p)]
        current_hash = current["metadata"]["labels"][REVISION_HASH_LABEL]
        update_hash = update["metadata"]["labels"][REVISION_HASH_LABEL]
        updated = sum(1 for p in live if identity.revision_of(p) == update_hash)
        replicas = sts["spec"].get("replicas", 1)
        current_name = current["metadata"]["name"]
        if updated == replicas == len(live):
            current_name, current_hash = update["metadata"]["name"], update_hash
        status: dict[str, Any] = dict(sts.get("status") or {})
        status.update(
            observedGeneration=sts["metadata"].get("generation", 1),
            replicas=len(live),
            readyReplicas=sum(1 for p in live if is_pod_ready(p)),
            availableReplicas=sum(1 for p in live if is_pod_available(p, min_ready, now)),
            currentReplicas=sum(1 for p in live if identity.revision_of(p) == current_hash),
            updatedReplicas=updated,
            currentRevision=current_name,
            updateRevision=update["metadata"]["name"],
            collisionCount=status.get("collisionCount", 0),
        )
        if status != (sts.get("status") or {}):
            await self.statefulsets_api.update_status({**sts, "status": status})


register_controller(StatefulSetController.name, StatefulSetController)
