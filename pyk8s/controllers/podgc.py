"""Pod garbage collection: remove pods nobody else will ever clean up.

Three kinds of pods, checked every 20 s and whenever a node goes or a pod finishes:

- Terminated pods (Succeeded or Failed) beyond `terminated_pod_gc_threshold` (12500, as
  --terminated-pod-gc-threshold; 0 turns this off): the oldest by creation time (ties by
  name) are deleted until the threshold holds, so finished Jobs' pods do not pile up
  forever.
- Orphans: pods bound to a node that no longer exists. No kubelet will ever finish them,
  so they are marked Failed with a DisruptionTarget condition (reason DeletionByPodGC)
  and deleted at once. The informer's word that a node is gone is confirmed with a GET,
  so a node that was only just created is never mistaken for a deleted one.
- Unscheduled pods being deleted: with no kubelet to confirm the deletion, they are
  deleted at once (grace period 0).
"""

from __future__ import annotations

import contextlib
import logging

from pyk8s.api import errors
from pyk8s.client.cache import Object
from pyk8s.controllers.base import Controller, is_being_deleted
from pyk8s.controllers.context import ControllerContext
from pyk8s.controllers.registry import register_controller

logger = logging.getLogger("pyk8s.controllers.podgc")

GC_KEY = "pods"  # one key: every pass looks at all pods
GC_CHECK_PERIOD = 20.0
TERMINAL_PHASES = ("Succeeded", "Failed")


def phase(pod: Object) -> str:
    return (pod.get("status") or {}).get("phase") or ""


def oldest_terminated(pods: list[Object], threshold: int) -> list[Object]:
    """The terminated pods to delete so that at most `threshold` remain (0: none deleted)."""
    if threshold <= 0:
        return []
    terminated = [p for p in pods if phase(p) in TERMINAL_PHASES and not is_being_deleted(p)]
    terminated.sort(
        key=lambda p: (p["metadata"].get("creationTimestamp", ""), p["metadata"]["name"])
    )
    return terminated[: max(len(terminated) - threshold, 0)]


class PodGCController(Controller):
    name = "pod-garbage-collector"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.pods = ctx.informer("", "v1", "pods")
        self.nodes = ctx.informer("", "v1", "nodes")
        self.pods_api = ctx.resource("", "v1", "pods")
        self.nodes_api = ctx.resource("", "v1", "nodes")
        self.nodes.add_handler(on_delete=lambda _node: self.queue.add(GC_KEY))
        self.pods.add_handler(on_update=self._pod_updated)
        self.queue.add(GC_KEY)

    def _pod_updated(self, old: Object, new: Object) -> None:
        if (phase(new) in TERMINAL_PHASES and phase(old) not in TERMINAL_PHASES) or (
            is_being_deleted(new) and not (new.get("spec") or {}).get("nodeName")
        ):
            self.queue.add(GC_KEY)

    async def reconcile(self, key: str) -> None:
        try:
            pods = self.pods.cache.objects()
            for pod in oldest_terminated(pods, self.options.terminated_pod_gc_threshold):
                await self._delete(pod, "terminated pods over the threshold")
            await self._collect_orphans(pods)
            for pod in pods:
                if is_being_deleted(pod) and not (pod.get("spec") or {}).get("nodeName"):
                    await self._delete(pod, "unscheduled and terminating")
        finally:
            self.queue.add_after(GC_KEY, GC_CHECK_PERIOD)

    async def _collect_orphans(self, pods: list[Object]) -> None:
        missing: dict[str, bool] = {}
        for pod in pods:
            node = (pod.get("spec") or {}).get("nodeName")
            if not node or self.nodes.cache.get(node) is not None:
                continue
            if node not in missing:
                missing[node] = await self._node_is_gone(node)
            if missing[node]:
                await self._fail(pod, "PodGC: node no longer exists")
                await self._delete(pod, f"bound to node {node}, which no longer exists")

    async def _node_is_gone(self, name: str) -> bool:
        try:
            await self.nodes_api.get(name)
        except errors.NotFound:
            return True
        return False

    async def _fail(self, pod: Object, message: str) -> None:
        if phase(pod) in TERMINAL_PHASES:
            return
        condition = {
            "type": "DisruptionTarget",
            "status": "True",
            "reason": "DeletionByPodGC",
            "message": message,
            "lastTransitionTime": self.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        with contextlib.suppress(errors.NotFound):
            await self.pods_api.patch(
                pod["metadata"]["name"],
                {"status": {"phase": "Failed", "conditions": [condition]}},
                pod["metadata"]["namespace"],
                patch_type="strategic",
                subresource="status",
            )

    async def _delete(self, pod: Object, why: str) -> None:
        namespace, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        logger.info("deleting pod %s/%s: %s", namespace, name, why)
        with contextlib.suppress(errors.NotFound):
            await self.pods_api.delete(name, namespace, grace_period_seconds=0)


register_controller(PodGCController.name, PodGCController)
