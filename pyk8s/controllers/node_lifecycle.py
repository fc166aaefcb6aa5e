"""Node lifecycle: decide from heartbeats whether each node is alive, and say so with taints.

A kubelet proves it is alive in two ways: it renews its Lease in `kube-node-lease` (every
10 s) and it posts node status (the Ready condition's `lastHeartbeatTime`). This controller
remembers, *by its own clock*, when it last saw either of them change (the "probe time").
Clocks of the kubelet's machine are never compared with ours, so skew cannot make a healthy
node look dead.

Guarantees, for every node:

- No heartbeat change for `node_monitor_grace_period` (40 s): its Ready, MemoryPressure,
  DiskPressure and PIDPressure conditions become Unknown, reason NodeStatusUnknown,
  "Kubelet stopped posting node status.", and a NodeNotReady event is recorded. A node
  that never posted status gets them (reason NodeStatusNeverUpdated) once
  `node_startup_grace_period` (60 s) has passed; until then it is left alone.
- Its taints follow its Ready condition: Unknown gives `node.kubernetes.io/unreachable`,
  False gives `node.kubernetes.io/not-ready`, each with effect NoSchedule (keep new pods off)
  and NoExecute (evict the running ones; see node_lifecycle_eviction.py); True removes both.
- While it is not Ready, the pods bound to it have their Ready condition set to False, so
  Services stop sending them traffic.

The check is level-triggered: each reconcile re-reads the node and its Lease from the
caches and schedules itself again for the moment the grace period would run out.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pyk8s.api import errors
from pyk8s.client.cache import Object
from pyk8s.controllers.base import Controller, is_being_deleted, is_pod_ready
from pyk8s.controllers.context import ControllerContext
from pyk8s.controllers.registry import register_controller

logger = logging.getLogger("pyk8s.controllers.node_lifecycle")

NODE_LEASE_NAMESPACE = "kube-node-lease"
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
HEALTH_TAINT_KEYS = (NOT_READY_TAINT, UNREACHABLE_TAINT)
# The conditions a kubelet owns; when it goes silent none of them can be trusted any more.
KUBELET_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")


def rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def node_condition(node: Object, condition_type: str) -> dict[str, Any] | None:
    for condition in (node.get("status") or {}).get("conditions") or []:
        if condition.get("type") == condition_type:
            return condition
    return None


def ready_status(node: Object) -> str:
    """ "True", "False" or "Unknown" (a node that never reported is Unknown)."""
    condition = node_condition(node, "Ready")
    return condition.get("status", "Unknown") if condition else "Unknown"


def health_taints(status: str, added_at: str) -> list[dict[str, Any]]:
    """The taints a node with this Ready status must carry."""
    if status == "True":
        return []
    key = UNREACHABLE_TAINT if status == "Unknown" else NOT_READY_TAINT
    return [
        {"key": key, "effect": "NoSchedule"},
        {"key": key, "effect": "NoExecute", "timeAdded": added_at},
    ]


def with_health_taints(taints: list[dict[str, Any]], status: str, now: str) -> list[dict[str, Any]]:
    """`taints` with the health taints made to match `status`; others are kept as they are.

    A health taint already present keeps its `timeAdded`: eviction deadlines count from
    the moment the node first went bad, not from our latest look at it.
    """
    others = [t for t in taints if t.get("key") not in HEALTH_TAINT_KEYS]
    present = {(t.get("key"), t.get("effect")): t for t in taints}
    wanted = [present.get((t["key"], t["effect"]), t) for t in health_taints(status, now)]
    return others + wanted


@dataclass
class Heartbeat:
    """What we last saw of a node's liveness signals, and when (by our monotonic clock)."""

    lease_renew_time: str | None
    status_heartbeat: str | None
    observed_at: float


class NodeLifecycleController(Controller):
    name = "node-lifecycle"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.nodes = ctx.informer("", "v1", "nodes")
        self.leases = ctx.informer("coordination.k8s.io", "v1", "leases")
        self.pods = ctx.informer("", "v1", "pods", indexers=["nodeName"])
        self.nodes_api = ctx.resource("", "v1", "nodes")
        self.pods_api = ctx.resource("", "v1", "pods")
        self.recorder = ctx.recorder_for("node-controller")
        self.heartbeats: dict[str, Heartbeat] = {}
        self.enqueue_on_changes(self.nodes)
        self.leases.add_handler(
            on_add=self._lease_changed, on_update=lambda _old, new: self._lease_changed(new)
        )

    def _lease_changed(self, lease: Object) -> None:
        if lease["metadata"].get("namespace") == NODE_LEASE_NAMESPACE:
            self.queue.add(lease["metadata"]["name"])

    async def reconcile(self, key: str) -> None:
        try:
            await self._sync(key)
        except errors.Conflict:
            # Our copy of the node is stale; its newer version's event brings the key back.
            logger.debug("node %s changed while we worked on it; will look again", key)

    async def _sync(self, key: str) -> None:
        node = self.nodes.cache.get(key)
        if node is None:
            self.heartbeats.pop(key, None)
            return
        silent_for, grace = self._observe(node)
        if silent_for < grace:
            self.queue.add_after(key, grace - silent_for)
        elif ready_status(node) != "Unknown" or node_condition(node, "Ready") is None:
            node = await self._mark_unknown(node)
        if node_condition(node, "Ready") is None:
            return  # a new node, still within its startup grace period: nothing to judge yet
        status = ready_status(node)
        await self._apply_taints(node, status)
        if status != "True":
            await self._mark_pods_not_ready(node)

    def _observe(self, node: Object) -> tuple[float, float]:
        """(seconds since a heartbeat last changed, the grace period that applies)."""
        name = node["metadata"]["name"]
        lease = self.leases.cache.get_by_name(NODE_LEASE_NAMESPACE, name)
        renew_time = ((lease or {}).get("spec") or {}).get("renewTime")
        ready = node_condition(node, "Ready")
        heartbeat = (ready or {}).get("lastHeartbeatTime")
        now = self.clock.monotonic()
        seen = self.heartbeats.get(name)
        if seen is None or (seen.lease_renew_time, seen.status_heartbeat) != (
            renew_time,
            heartbeat,
        ):
            seen = self.heartbeats[name] = Heartbeat(renew_time, heartbeat, now)
        posted = ready is not None and ready.get("reason") != "NodeStatusNeverUpdated"
        grace = (
            self.options.node_monitor_grace_period
            if posted
            else self.options.node_startup_grace_period
        )
        return now - seen.observed_at, grace

    async def _mark_unknown(self, node: Object) -> Object:
        """Set the kubelet's conditions to Unknown: it stopped posting, or never did."""
        now = rfc3339(self.clock.now())
        updated = copy.deepcopy(node)
        conditions = updated.setdefault("status", {}).setdefault("conditions", [])
        for condition_type in KUBELET_CONDITIONS:
            condition = node_condition(updated, condition_type)
            if condition is None:
                conditions.append(
                    {
                        "type": condition_type,
                        "status": "Unknown",
                        "reason": "NodeStatusNeverUpdated",
                        "message": "Kubelet never posted node status.",
                        "lastHeartbeatTime": node["metadata"].get("creationTimestamp", now),
                        "lastTransitionTime": now,
                    }
                )
            elif condition["status"] != "Unknown":
                condition.update(
                    status="Unknown",
                    reason="NodeStatusUnknown",
                    message="Kubelet stopped posting node status.",
                    lastTransitionTime=now,
                )
        result = await self.nodes_api.update_status(updated)
        name = node["metadata"]["name"]
        logger.info("node %s: no status from its kubelet; Ready is now Unknown", name)
        if ready_status(node) == "True":
            self.recorder.event(
                node, "Normal", "NodeNotReady", f"Node {name} status is now: NodeNotReady"
            )
        return result

    async def _apply_taints(self, node: Object, status: str) -> None:
        taints = (node.get("spec") or {}).get("taints") or []
        wanted = with_health_taints(taints, status, rfc3339(self.clock.now()))
        if wanted == taints:
            return
        updated = copy.deepcopy(node)
        updated.setdefault("spec", {})["taints"] = wanted
        if not wanted:
            del updated["spec"]["taints"]
        await self.nodes_api.update(updated)

    async def _mark_pods_not_ready(self, node: Object) -> None:
        now = rfc3339(self.clock.now())
        for pod in self.pods.cache.by_index("nodeName", node["metadata"]["name"]):
            if not is_pod_ready(pod) or is_being_deleted(pod):
                continue
            patch = {
                "status": {
                    "conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": now}]
                }
            }
            await self.pods_api.patch(
                pod["metadata"]["name"],
                patch,
                pod["metadata"]["namespace"],
                patch_type="strategic",
                subresource="status",
            )
            self.recorder.event(pod, "Warning", "NodeNotReady", "Node is not ready")


register_controller(NodeLifecycleController.name, NodeLifecycleController)

# The eviction of pods from tainted nodes is its own controller, as in Kubernetes 1.29+.
from pyk8s.controllers import node_lifecycle_eviction  # noqa: E402, F401
