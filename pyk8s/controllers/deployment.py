"""The Deployment controller: roll a pod template out through ReplicaSets, one step at a time.

Guarantees:

- Every distinct pod template gets one ReplicaSet named `<deployment>-<pod-template-hash>`,
  whose selector and template carry the `pod-template-hash` label; going back to an
  earlier template (`kubectl rollout undo`) reuses its ReplicaSet and gives it the next
  revision. ReplicaSets carry `deployment.kubernetes.io/revision`, `desired-replicas` and
  `max-replicas`, and the Deployment's own annotations (so `kubernetes.io/change-cause`
  shows in `rollout history`); the Deployment carries the current revision.
- A rollout moves by bounded steps (deployment_rollout.py): RollingUpdate never has more
  than replicas + maxSurge pods scheduled nor fewer than replicas - maxUnavailable
  available; Recreate starts new pods only after the old ones are gone. Every step is
  computed from the observed state, so a controller restart resumes the rollout.
- A paused Deployment is only scaled, never rolled. Old ReplicaSets beyond
  revisionHistoryLimit (10) that have no pods are deleted.
- status: replicas, updatedReplicas, readyReplicas, availableReplicas,
  unavailableReplicas, observedGeneration, and the Available and Progressing conditions
  with Kubernetes' reasons (NewReplicaSetCreated, FoundNewReplicaSet, ReplicaSetUpdated,
  NewReplicaSetAvailable, ProgressDeadlineExceeded, DeploymentPaused, DeploymentResumed),
  which is what `kubectl rollout status` reads.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from typing import Any

from pyk8s.api import errors
from pyk8s.api.labels import selector_from_label_selector
from pyk8s.client.cache import Object, object_key
from pyk8s.controllers import deployment_util as du
from pyk8s.controllers.base import Controller, controller_ref, is_being_deleted, owner_reference
from pyk8s.controllers.claim import claim
from pyk8s.controllers.context import ControllerContext
from pyk8s.controllers.deployment_rollout import Step, plan_rolling, plan_scale
from pyk8s.controllers.registry import register_controller

logger = logging.getLogger("pyk8s.controllers.deployment")


def _now(controller: Controller) -> str:
    return controller.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")


class DeploymentController(Controller):
    name = "deployment"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.recorder = ctx.recorder_for("deployment-controller")
        self.deployments_api = ctx.resource("apps", "v1", "deployments")
        self.rs_api = ctx.resource("apps", "v1", "replicasets")
        self.deployments = ctx.informer("apps", "v1", "deployments")
        self.replicasets = ctx.informer("apps", "v1", "replicasets")
        self.pods = ctx.informer("", "v1", "pods", indexers=["owner"])
        self.enqueue_on_changes(self.deployments)
        self.replicasets.add_handler(
            on_add=self._rs_changed,
            on_update=lambda old, new: (self._rs_changed(old), self._rs_changed(new)),
            on_delete=self._rs_changed,
        )
        self.pods.add_handler(on_delete=self._pod_deleted)

    # handlers

    def _rs_changed(self, rs: Object) -> None:
        if controller_ref(rs) is not None:
            self.enqueue_owner(rs, "Deployment")
            return
        labels = rs["metadata"].get("labels") or {}
        for deployment in self.deployments.cache.by_index("namespace", rs["metadata"]["namespace"]):
            if selector_from_label_selector(deployment["spec"].get("selector")).matches(labels):
                self.enqueue(deployment)

    def _pod_deleted(self, pod: Object) -> None:
        """Recreate waits for old pods to disappear: their deletion is worth a look."""
        ref = controller_ref(pod)
        if ref is None or ref.get("kind") != "ReplicaSet":
            return
        rs = self.replicasets.cache.get_by_name(pod["metadata"]["namespace"], ref["name"])
        if rs is not None:
            self.enqueue_owner(rs, "Deployment")

    # reconcile

    async def reconcile(self, key: str) -> None:
        deployment = self.deployments.cache.get(key)
        if deployment is None:
            return
        deployment = copy.deepcopy(deployment)
        selector = selector_from_label_selector(deployment["spec"].get("selector"))
        if selector.empty:
            self.recorder.event(
                deployment, "Warning", "SelectingAll", "This deployment is selecting all pods. "
                "A non-empty selector is required.",
            )  # fmt: skip
            return
        candidates = self.replicasets.cache.by_index(
            "namespace", deployment["metadata"]["namespace"]
        )
        rss = await claim(deployment, candidates, selector, self.rs_api)
        if is_being_deleted(deployment):
            await self._sync_status(deployment, rss, self._find_new(deployment, rss))
            return
        paused = deployment["spec"].get("paused", False)
        if paused or self._is_scaling_event(deployment, rss):
            await self._scale_only(deployment, rss)
            return
        if (deployment["spec"].get("strategy") or {}).get("type") == "Recreate":
            await self._recreate(deployment, rss)
        else:
            await self._rolling(deployment, rss)

    def _find_new(self, deployment: Object, rss: list[Object]) -> Object | None:
        matching = [
            rs
            for rs in rss
            if du.same_template(rs["spec"]["template"], deployment["spec"]["template"])
        ]
        matching.sort(
            key=lambda rs: (
                du.parse_time(rs["metadata"].get("creationTimestamp")),
                rs["metadata"]["name"],
            )
        )
        return matching[0] if matching else None

    def _is_scaling_event(self, deployment: Object, rss: list[Object]) -> bool:
        wanted = str(deployment["spec"].get("replicas", 1))
        for rs in rss:
            if du.replicas(rs) > 0:
                desired = (rs["metadata"].get("annotations") or {}).get(du.DESIRED_REPLICAS)
                if desired is not None and desired != wanted:
                    return True
        return False

    async def _rolling(self, deployment: Object, rss: list[Object]) -> None:
        new_rs = await self._ensure_new_rs(deployment, rss)
        olds = [rs for rs in rss if rs["metadata"]["uid"] != new_rs["metadata"]["uid"]]
        steps = plan_rolling(deployment, new_rs, olds)
        if steps:
            await self._apply(deployment, steps)
        else:
            await self._cleanup(deployment, olds)
        await self._sync_status(deployment, [new_rs, *olds], new_rs)

    async def _recreate(self, deployment: Object, rss: list[Object]) -> None:
        new_rs = self._find_new(deployment, rss)
        olds = [rs for rs in rss if rs is not new_rs]
        scale_down = [(rs, 0) for rs in olds if du.replicas(rs) > 0]
        if scale_down:
            await self._apply(deployment, scale_down)
            await self._sync_status(deployment, rss, new_rs)
            return
        old_uids = {rs["metadata"]["uid"] for rs in olds}
        if any(
            (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
            for uid in old_uids
            for pod in self.pods.cache.by_index("owner", uid)
        ):
            await self._sync_status(deployment, rss, new_rs)  # old pods still running: wait
            return
        new_rs = await self._ensure_new_rs(deployment, rss)
        wanted = deployment["spec"].get("replicas", 1)
        if du.replicas(new_rs) != wanted:
            await self._apply(deployment, [(new_rs, wanted)])
        else:
            await self._cleanup(deployment, olds)
        await self._sync_status(deployment, [new_rs, *olds], new_rs)

    async def _scale_only(self, deployment: Object, rss: list[Object]) -> None:
        new_rs = self._find_new(deployment, rss)
        olds = [rs for rs in rss if rs is not new_rs]
        if new_rs is not None:
            new_rs = await self._sync_revision(deployment, new_rs, olds)
        steps = plan_scale(deployment, new_rs, olds)
        if steps:
            await self._apply(deployment, steps)
        if deployment["spec"].get("paused") and not steps:
            await self._cleanup(deployment, olds)
        await self._sync_status(deployment, rss if new_rs is None else [new_rs, *olds], new_rs)

    # the ReplicaSets

    @staticmethod
    def _annotations_for(
        deployment: Object, revision: int, existing: dict[str, str]
    ) -> dict[str, str]:
        """The Deployment's own annotations (change-cause, ...) and the revision.

        desired-replicas and max-replicas are not touched here: they record the size the
        ReplicaSet was last *scaled* for, which proportional scaling reads (plan_scale).
        """
        annotations = dict(existing)
        for key, value in (deployment["metadata"].get("annotations") or {}).items():
            if key not in du.NOT_COPIED:
                annotations[key] = value
        annotations[du.REVISION] = str(revision)
        return annotations

    async def _sync_revision(
        self, deployment: Object, new_rs: Object, olds: list[Object]
    ) -> Object:
        """Give a reused ReplicaSet the next revision; copy the Deployment's annotations."""
        next_revision = max((du.revision(rs) for rs in olds), default=0) + 1
        current = du.revision(new_rs)
        annotations = dict(new_rs["metadata"].get("annotations") or {})
        wanted_revision = current
        if current < next_revision:
            wanted_revision = next_revision
            if current:
                history = [h for h in annotations.get(du.REVISION_HISTORY, "").split(",") if h]
                annotations[du.REVISION_HISTORY] = ",".join([*history, str(current)])
        annotations = self._annotations_for(deployment, wanted_revision, annotations)
        min_ready = deployment["spec"].get("minReadySeconds", 0)
        if annotations != (new_rs["metadata"].get("annotations") or {}) or min_ready != (
            new_rs["spec"].get("minReadySeconds") or 0
        ):
            new_rs = copy.deepcopy(new_rs)
            new_rs["metadata"]["annotations"] = annotations
            new_rs["spec"]["minReadySeconds"] = min_ready
            new_rs = await self.rs_api.update(new_rs)
        await self._set_deployment_revision(deployment, wanted_revision)
        return new_rs

    async def _set_deployment_revision(self, deployment: Object, revision: int) -> None:
        annotations = deployment["metadata"].get("annotations") or {}
        if annotations.get(du.REVISION) == str(revision):
            return
        patch = {"metadata": {"annotations": {du.REVISION: str(revision)}}}
        meta = deployment["metadata"]
        updated = await self.deployments_api.patch(meta["name"], patch, meta["namespace"])
        deployment["metadata"] = updated["metadata"]

    async def _ensure_new_rs(self, deployment: Object, rss: list[Object]) -> Object:
        existing = self._find_new(deployment, rss)
        olds = [rs for rs in rss if rs is not existing]
        if existing is not None:
            return await self._sync_revision(deployment, existing, olds)
        collision = (deployment.get("status") or {}).get("collisionCount")
        template = copy.deepcopy(deployment["spec"]["template"])
        pod_hash = du.template_hash(template, collision)
        template.setdefault("metadata", {}).setdefault("labels", {})[du.HASH_LABEL] = pod_hash
        selector = copy.deepcopy(deployment["spec"]["selector"])
        selector.setdefault("matchLabels", {})[du.HASH_LABEL] = pod_hash
        revision = max((du.revision(rs) for rs in rss), default=0) + 1
        surge, _ = du.surge_and_unavailable(deployment)
        wanted = deployment["spec"].get("replicas", 1)
        name = f"{deployment['metadata']['name']}-{pod_hash}"
        rs = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": name,
                "namespace": deployment["metadata"]["namespace"],
                "labels": template["metadata"]["labels"],
                "annotations": {
                    **self._annotations_for(deployment, revision, {}),
                    du.DESIRED_REPLICAS: str(wanted),
                    du.MAX_REPLICAS: str(wanted + surge),
                },
                "ownerReferences": [owner_reference(deployment)],
            },
            "spec": {
                "replicas": 0,
                "minReadySeconds": deployment["spec"].get("minReadySeconds", 0),
                "selector": selector,
                "template": template,
            },
        }
        rs["spec"]["replicas"] = du.new_rs_replicas(deployment, [rs, *rss], rs)
        try:
            created = await self.rs_api.create(rs)
        except errors.AlreadyExists:
            return await self._on_name_collision(deployment, name)
        self.recorder.event(
            deployment, "Normal", "ScalingReplicaSet",
            f"Scaled up replica set {name} from 0 to {rs['spec']['replicas']}",
        )  # fmt: skip
        await self._set_deployment_revision(deployment, revision)
        message = f'Created new replica set "{name}"'
        status = deployment.setdefault("status", {})
        du.set_condition(
            status, du.progressing("NewReplicaSetCreated", "True", message, _now(self))
        )
        return created

    async def _on_name_collision(self, deployment: Object, name: str) -> Object:
        """A ReplicaSet with our hash name exists: ours if same template, else bump collisionCount."""
        current = await self.rs_api.get(name, deployment["metadata"]["namespace"])
        ref = controller_ref(current)
        if (ref or {}).get("uid") == deployment["metadata"]["uid"] and du.same_template(
            current["spec"]["template"], deployment["spec"]["template"]
        ):
            return current  # our own creation that the cache has not shown yet
        status = deployment.setdefault("status", {})
        status["collisionCount"] = (status.get("collisionCount") or 0) + 1
        await self.deployments_api.update_status(deployment)
        raise errors.Conflict(f"hash collision for ReplicaSet {name}; retrying")

    async def _apply(self, deployment: Object, steps: list[Step]) -> None:
        surge, _ = du.surge_and_unavailable(deployment)
        wanted = deployment["spec"].get("replicas", 1)
        for rs, size in steps:
            before = du.replicas(rs)
            updated = copy.deepcopy(rs)
            updated["spec"]["replicas"] = size
            annotations = updated["metadata"].setdefault("annotations", {})
            annotations[du.DESIRED_REPLICAS] = str(wanted)
            annotations[du.MAX_REPLICAS] = str(wanted + surge)
            await self.rs_api.update(updated)
            verb = "up" if size > before else "down"
            self.recorder.event(
                deployment, "Normal", "ScalingReplicaSet",
                f"Scaled {verb} replica set {rs['metadata']['name']} from {before} to {size}",
            )  # fmt: skip

    async def _cleanup(self, deployment: Object, olds: list[Object]) -> None:
        limit = deployment["spec"].get("revisionHistoryLimit", 10)
        idle = [
            rs
            for rs in olds
            if du.replicas(rs) == 0
            and (rs.get("status") or {}).get("replicas", 0) == 0
            and not is_being_deleted(rs)
        ]
        idle.sort(key=du.revision)
        for rs in idle[: max(len(idle) - limit, 0)]:
            with contextlib.suppress(errors.NotFound):
                await self.rs_api.delete(rs["metadata"]["name"], rs["metadata"]["namespace"])

    # status

    async def _sync_status(
        self, deployment: Object, rss: list[Object], new_rs: Object | None
    ) -> None:
        old = deployment.get("status") or {}
        status = du.compute_status(deployment, rss, new_rs)
        now = _now(self)
        du.set_condition(status, du.available_condition(deployment, status, now))
        self._progress_condition(deployment, old, status, new_rs, now)
        if self._same_status(old, status):
            return
        updated = {**deployment, "status": status}
        try:
            await self.deployments_api.update_status(updated)
        except errors.NotFound:
            return
        except errors.Conflict:
            self.queue.add(object_key(deployment))

    @staticmethod
    def _same_status(old: dict[str, Any], new: dict[str, Any]) -> bool:
        def strip(status: dict[str, Any]) -> dict[str, Any]:
            conditions = [
                {k: v for k, v in c.items() if k != "lastUpdateTime"}
                for c in status.get("conditions") or []
            ]
            return {**status, "conditions": conditions}

        return strip(old) == strip(new)

    def _progress_condition(self, deployment: Object, old: dict[str, Any], status: dict[str, Any],
                            new_rs: Object | None, now: str) -> None:  # fmt: skip
        current = du.get_condition(status, "Progressing")
        if deployment["spec"].get("paused"):
            if not current or current.get("reason") != "DeploymentPaused":
                du.set_condition(
                    status,
                    du.progressing("DeploymentPaused", "Unknown", "Deployment is paused", now),
                )
            return
        if current and current.get("reason") == "DeploymentPaused":
            du.set_condition(
                status, du.progressing("DeploymentResumed", "Unknown", "Deployment is resumed", now)
            )
            current = du.get_condition(status, "Progressing")
        if new_rs is None:
            return
        name = new_rs["metadata"]["name"]
        if du.is_complete(deployment, status):
            message = f'ReplicaSet "{name}" has successfully progressed.'
            du.set_condition(status, du.progressing("NewReplicaSetAvailable", "True", message, now))
        elif (
            du.made_progress(old, status)
            or current is None
            or current.get("reason") in ("DeploymentResumed",)
        ):
            message = f'ReplicaSet "{name}" is progressing.'
            du.set_condition(status, du.progressing("ReplicaSetUpdated", "True", message, now))
        elif current.get("reason") == "NewReplicaSetAvailable" and name not in current.get(
            "message", ""
        ):
            message = f'Found new replica set "{name}"'
            du.set_condition(status, du.progressing("FoundNewReplicaSet", "True", message, now))
        else:
            self._check_deadline(deployment, status, current, name, now)

    def _check_deadline(self, deployment: Object, status: dict[str, Any], current: dict[str, Any] | None,
                        name: str, now: str) -> None:  # fmt: skip
        deadline = deployment["spec"].get("progressDeadlineSeconds")
        if deadline is None or current is None or current.get("reason") == "NewReplicaSetAvailable":
            return
        if current.get("reason") == "ProgressDeadlineExceeded":
            return
        since = du.parse_time(current.get("lastUpdateTime"))
        left = since + deadline - self.clock.now().timestamp()
        if left <= 0:
            message = f'ReplicaSet "{name}" has timed out progressing.'
            du.set_condition(
                status, du.progressing("ProgressDeadlineExceeded", "False", message, now)
            )
        else:
            self.queue.add_after(object_key(deployment), left + 1)


register_controller(DeploymentController.name, DeploymentController)
