"""Taint-based eviction: pods leave nodes whose NoExecute taints they do not tolerate.

Kubernetes' taint-eviction-controller, keyed by node. For every pod bound to a node with
NoExecute taints:

- a pod that does not tolerate every such taint is deleted at once;
- a pod that tolerates them all, but some matching toleration has `tolerationSeconds`, is
  deleted when the shortest of those runs out, counted from the newest taint's
  `timeAdded` (the DefaultTolerationSeconds admission plugin gives pods 300 s for the
  not-ready and unreachable taints, which is how a dead node's pods move after 5 minutes);
- a pod whose tolerations have no `tolerationSeconds` stays, however long the taint lasts.

Before the delete the pod gets a DisruptionTarget condition (reason
DeletionByTaintManager), and a TaintManagerEviction event says what happened. If the taint
is removed before the deadline, nothing happens: every decision is made again from the
caches when the node's key comes up.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from pyk8s.api import errors
from pyk8s.client.cache import Object
from pyk8s.controllers.base import Controller, is_being_deleted
from pyk8s.controllers.context import ControllerContext
from pyk8s.controllers.registry import register_controller
from pyk8s.scheduler.plugins.taint_toleration import tolerates_one

logger = logging.getLogger("pyk8s.controllers.taint_eviction")


def no_execute_taints(node: Object) -> list[dict[str, Any]]:
    return [
        t for t in (node.get("spec") or {}).get("taints") or [] if t.get("effect") == "NoExecute"
    ]


def toleration_window(pod: Object, taints: list[dict[str, Any]]) -> float | None:
    """Seconds the pod may stay on a node with these NoExecute taints.

    0 when some taint is not tolerated, None when it may stay forever.
    """
    tolerations = (pod.get("spec") or {}).get("tolerations") or []
    window: float | None = None
    for taint in taints:
        matching = [t for t in tolerations if tolerates_one(t, taint)]
        if not matching:
            return 0.0
        for toleration in matching:
            seconds = toleration.get("tolerationSeconds")
            if seconds is not None:
                seconds = max(float(seconds), 0.0)
                window = seconds if window is None else min(window, seconds)
    return window


def tainted_since(taints: list[dict[str, Any]], default: datetime) -> datetime:
    """When the newest of these taints was added (`default` for taints without a time)."""
    times = [datetime.fromisoformat(t["timeAdded"]) for t in taints if t.get("timeAdded")]
    return max(times) if times else default


class TaintEvictionController(Controller):
    name = "taint-eviction-controller"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.nodes = ctx.informer("", "v1", "nodes")
        self.pods = ctx.informer("", "v1", "pods", indexers=["nodeName"])
        self.pods_api = ctx.resource("", "v1", "pods")
        self.recorder = ctx.recorder_for("taint-eviction-controller")
        self.enqueue_on_changes(self.nodes)
        self.pods.add_handler(
            on_add=self._pod_changed, on_update=lambda _o, new: self._pod_changed(new)
        )

    def _pod_changed(self, pod: Object) -> None:
        node_name = (pod.get("spec") or {}).get("nodeName")
        node = self.nodes.cache.get(node_name) if node_name else None
        if node is not None and no_execute_taints(node):
            self.queue.add(node_name)

    async def reconcile(self, key: str) -> None:
        node = self.nodes.cache.get(key)
        taints = no_execute_taints(node) if node else []
        if not taints:
            return
        now = self.clock.now()
        since = tainted_since(taints, now)
        next_check: float | None = None
        for pod in self.pods.cache.by_index("nodeName", key):
            if is_being_deleted(pod) or (pod.get("status") or {}).get("phase") in (
                "Succeeded",
                "Failed",
            ):
                continue
            window = toleration_window(pod, taints)
            if window is None:
                continue
            remaining = window - (now - since).total_seconds()
            if remaining <= 0:
                await self._evict(pod)
            else:
                next_check = remaining if next_check is None else min(next_check, remaining)
        if next_check is not None:
            self.queue.add_after(key, next_check)

    async def _evict(self, pod: Object) -> None:
        name, namespace = pod["metadata"]["name"], pod["metadata"]["namespace"]
        logger.info(
            "evicting pod %s/%s from tainted node %s", namespace, name, pod["spec"]["nodeName"]
        )
        self.recorder.event(
            pod, "Normal", "TaintManagerEviction", f"Marking for deletion Pod {namespace}/{name}"
        )
        condition = {
            "type": "DisruptionTarget",
            "status": "True",
            "reason": "DeletionByTaintManager",
            "message": "Taint manager: deleting due to NoExecute taint",
            "lastTransitionTime": self.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        try:
            await self.pods_api.patch(
                name,
                {"status": {"conditions": [condition]}},
                namespace,
                patch_type="strategic",
                subresource="status",
            )
            await self.pods_api.delete(name, namespace)
        except errors.NotFound:
            pass  # already gone: that is what we wanted


register_controller(TaintEvictionController.name, TaintEvictionController)
