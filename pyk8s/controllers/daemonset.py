"""The DaemonSet controller: one pod on every eligible node, updated a few nodes at a time.

What it guarantees for every DaemonSet:

- Every node that should run the daemon (daemonset_nodes.py: nodeSelector, required node
  affinity, taints) gets one pod, created with a required node affinity on its name, so
  the scheduler binds it there; nodes that stop being eligible lose theirs. A failed pod
  is deleted and replaced; extra pods on one node are deleted.
- Every distinct template gets a ControllerRevision (daemonset_revisions.py), and pods carry
  its hash in `controller-revision-hash`.
- RollingUpdate: pods of older revisions are deleted so that at most `maxUnavailable`
  eligible nodes are without an available daemon pod at any moment (unavailable old pods
  are replaced first, as they cost nothing); OnDelete leaves old pods until a user deletes
  them.
- Status: desiredNumberScheduled, currentNumberScheduled, numberMisscheduled, numberReady,
  numberAvailable, numberUnavailable, updatedNumberScheduled, observedGeneration: the
  columns `kubectl get ds` shows and the numbers `kubectl rollout status ds` waits on.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

from pyk8s.api import errors
from pyk8s.client.cache import Object
from pyk8s.controllers import daemonset_nodes as placement
from pyk8s.controllers.base import Controller, controller_ref, is_being_deleted, is_pod_ready
from pyk8s.controllers.context import ControllerContext
from pyk8s.controllers.daemonset_revisions import REVISION_HASH_LABEL, sync_revisions
from pyk8s.controllers.expectations import Expectations
from pyk8s.controllers.registry import register_controller
from pyk8s.controllers.replicaset_pods import is_pod_available, pod_from_template

logger = logging.getLogger("pyk8s.controllers.daemonset")
TEMPLATE_GENERATION_LABEL = "pod-template-generation"


@dataclass
class NodePlan:
    """One node's part of a sync: whether the daemon belongs there, and its pods there."""

    name: str
    should_run: bool
    may_stay: bool
    pods: list[Object] = field(default_factory=list)


def resolve_max_unavailable(daemonset: Object, desired: int) -> int:
    rolling = (daemonset["spec"].get("updateStrategy") or {}).get("rollingUpdate") or {}
    value: Any = rolling.get("maxUnavailable", 1)
    if isinstance(value, str) and value.endswith("%"):
        value = math.ceil(int(value[:-1]) * desired / 100)
    return max(int(value), 1) if not rolling.get("maxSurge") else int(value)


class DaemonSetController(Controller):
    name = "daemonset"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.daemonsets = ctx.informer("apps", "v1", "daemonsets")
        self.nodes = ctx.informer("", "v1", "nodes")
        self.pods = ctx.informer("", "v1", "pods", indexers=["owner"])
        self.revisions = ctx.informer("apps", "v1", "controllerrevisions")
        self.daemonsets_api = ctx.resource("apps", "v1", "daemonsets")
        self.pods_api = ctx.resource("", "v1", "pods")
        self.revisions_api = ctx.resource("apps", "v1", "controllerrevisions")
        self.recorder = ctx.recorder_for("daemonset-controller")
        self.expectations = Expectations(ctx.clock)
        self.enqueue_on_changes(self.daemonsets)
        self.pods.add_handler(
            on_add=self._pod_added,
            on_update=lambda _old, new: self.enqueue_owner(new, "DaemonSet"),
            on_delete=lambda pod: self.enqueue_owner(pod, "DaemonSet"),
        )
        self.nodes.add_handler(
            on_add=self._enqueue_all,
            on_update=self._node_updated,
            on_delete=self._enqueue_all,
        )

    def _pod_added(self, pod: Object) -> None:
        ref = controller_ref(pod)
        if ref is not None and ref.get("kind") == "DaemonSet":
            self.expectations.creation_observed(f"{pod['metadata']['namespace']}/{ref['name']}")
        self.enqueue_owner(pod, "DaemonSet")

    def _node_updated(self, old: Object, new: Object) -> None:
        # Heartbeats change nodes every few seconds; only placement-relevant changes matter.
        if placement_inputs(old) != placement_inputs(new):
            self._enqueue_all()

    def _enqueue_all(self, _node: Object | None = None) -> None:
        for daemonset in self.daemonsets.cache.objects():
            self.enqueue(daemonset)

    async def reconcile(self, key: str) -> None:
        try:
            await self._sync(key)
        except errors.Conflict:
            logger.debug("daemonset %s changed while we worked on it; will look again", key)

    async def _sync(self, key: str) -> None:
        daemonset = self.daemonsets.cache.get(key)
        if daemonset is None or is_being_deleted(daemonset):
            self.expectations.forget(key)
            return
        pods = [
            p
            for p in self.pods.cache.by_index("owner", daemonset["metadata"]["uid"])
            if _controlled(p, daemonset)
        ]
        in_use = {h for p in pods if (h := _hash(p))}
        revisions = self.revisions.cache.by_index("namespace", daemonset["metadata"]["namespace"])
        revision = await sync_revisions(self.revisions_api, daemonset, revisions, in_use)
        current_hash = revision["metadata"]["labels"][REVISION_HASH_LABEL]
        plans = self._plan(daemonset, pods)
        if self.expectations.satisfied(key):
            await self._manage(key, daemonset, plans, current_hash)
            if (daemonset["spec"].get("updateStrategy") or {}).get(
                "type", "RollingUpdate"
            ) == "RollingUpdate":
                await self._roll(daemonset, plans, current_hash)
        await self._write_status(daemonset, plans, current_hash)

    def _plan(self, daemonset: Object, pods: list[Object]) -> list[NodePlan]:
        spec = daemonset["spec"]["template"].get("spec") or {}
        plans = {}
        for node in self.nodes.cache.objects():
            should_run, may_stay = placement.node_eligibility(spec, node)
            plans[node["metadata"]["name"]] = NodePlan(
                node["metadata"]["name"], should_run, may_stay
            )
        for pod in pods:
            node_name = placement.target_node(pod)
            if node_name is not None and not is_being_deleted(pod):
                plans.setdefault(node_name, NodePlan(node_name, False, False)).pods.append(pod)
        return sorted(plans.values(), key=lambda plan: plan.name)

    async def _manage(
        self, key: str, daemonset: Object, plans: list[NodePlan], current_hash: str
    ) -> None:
        doomed: list[Object] = []
        wanted_on: list[str] = []
        for plan in plans:
            failed = [p for p in plan.pods if (p.get("status") or {}).get("phase") == "Failed"]
            alive = [p for p in plan.pods if p not in failed]
            doomed += failed
            if not plan.may_stay:
                doomed += alive
                plan.pods = []
                continue
            if plan.should_run and not alive:
                wanted_on.append(plan.name)
            # Keep one pod per node: the oldest, which is the one most likely ready.
            alive.sort(key=lambda p: p["metadata"].get("creationTimestamp", ""))
            doomed += alive[1:]
            plan.pods = alive[:1]
        await self._delete(daemonset, doomed)
        self.expectations.expect_creations(key, len(wanted_on))
        for node_name in wanted_on:
            try:
                pod = await self.pods_api.create(self._new_pod(daemonset, node_name, current_hash))
            except errors.StatusError:
                self.expectations.creation_observed(key)
                raise
            next(p for p in plans if p.name == node_name).pods.append(pod)
            name = pod["metadata"]["name"]
            self.recorder.event(daemonset, "Normal", "SuccessfulCreate", f"Created pod: {name}")

    def _new_pod(self, daemonset: Object, node_name: str, current_hash: str) -> Object:
        pod = pod_from_template(daemonset, daemonset["spec"]["template"])
        pod["metadata"]["namespace"] = daemonset["metadata"]["namespace"]
        labels = pod["metadata"].setdefault("labels", {})
        labels[REVISION_HASH_LABEL] = current_hash
        labels[TEMPLATE_GENERATION_LABEL] = str(daemonset["metadata"].get("generation", 1))
        pod["spec"] = placement.pin_to_node(pod["spec"], node_name)
        return pod

    async def _roll(self, daemonset: Object, plans: list[NodePlan], current_hash: str) -> None:
        """Delete old pods while keeping at most maxUnavailable nodes without a working daemon."""
        eligible = [plan for plan in plans if plan.should_run]
        now = self.clock.now().timestamp()
        min_ready = daemonset["spec"].get("minReadySeconds", 0)

        def available(plan: NodePlan) -> bool:
            return bool(plan.pods) and is_pod_available(plan.pods[0], min_ready, now)

        budget = resolve_max_unavailable(daemonset, len(eligible))
        budget -= sum(1 for plan in eligible if not available(plan))
        old = [p for p in eligible if p.pods and _hash(p.pods[0]) != current_hash]
        doomed = [plan.pods[0] for plan in old if not available(plan)]  # free: already down
        for plan in old:
            if available(plan) and budget > 0:
                doomed.append(plan.pods[0])
                budget -= 1
        await self._delete(daemonset, doomed)
        for plan in old:
            if plan.pods and plan.pods[0] in doomed:
                plan.pods = []

    async def _delete(self, daemonset: Object, pods: list[Object]) -> None:
        for pod in pods:
            try:
                await self.pods_api.delete(pod["metadata"]["name"], pod["metadata"]["namespace"])
            except errors.NotFound:
                continue
            name = pod["metadata"]["name"]
            self.recorder.event(daemonset, "Normal", "SuccessfulDelete", f"Deleted pod: {name}")

    async def _write_status(
        self, daemonset: Object, plans: list[NodePlan], current_hash: str
    ) -> None:
        now = self.clock.now().timestamp()
        min_ready = daemonset["spec"].get("minReadySeconds", 0)
        eligible = [plan for plan in plans if plan.should_run]
        running = [plan for plan in eligible if plan.pods]
        available = sum(1 for plan in running if is_pod_available(plan.pods[0], min_ready, now))
        status = dict(daemonset.get("status") or {})
        status.update(
            desiredNumberScheduled=len(eligible),
            currentNumberScheduled=len(running),
            numberMisscheduled=sum(1 for plan in plans if plan.pods and not plan.should_run),
            numberReady=sum(1 for plan in running if is_pod_ready(plan.pods[0])),
            numberAvailable=available,
            numberUnavailable=len(eligible) - available,
            updatedNumberScheduled=sum(
                1 for plan in running if _hash(plan.pods[0]) == current_hash
            ),
            observedGeneration=daemonset["metadata"].get("generation", 1),
        )
        if status != (daemonset.get("status") or {}):
            await self.daemonsets_api.update_status({**daemonset, "status": status})
        if min_ready and available < len(running):
            self.queue.add_after(
                f"{daemonset['metadata']['namespace']}/{daemonset['metadata']['name']}", min_ready
            )


def placement_inputs(node: Object) -> tuple[Any, ...]:
    spec = node.get("spec") or {}
    return (node["metadata"].get("labels"), spec.get("taints"), spec.get("unschedulable"))


def _hash(pod: Object) -> str | None:
    return (pod["metadata"].get("labels") or {}).get(REVISION_HASH_LABEL)


def _controlled(pod: Object, owner: Object) -> bool:
    ref = controller_ref(pod)
    return ref is not None and ref.get("uid") == owner["metadata"]["uid"]


register_controller(DaemonSetController.name, DaemonSetController)
