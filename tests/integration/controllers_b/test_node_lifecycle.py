"""A node whose kubelet goes silent: Unknown, tainted, its pods marked unready and evicted."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any

from pyk8s.controllers.node_lifecycle import NodeLifecycleController
from pyk8s.controllers.node_lifecycle_eviction import TaintEvictionController
from pyk8s.controllers.options import ControllerOptions
from tests.integration.controllers_b.conftest import (
    Cluster,
    eventually,
    node_manifest,
    pod_manifest,
    ready_status,
    running,
    set_pod_status,
)

UNREACHABLE = "node.kubernetes.io/unreachable"


def micro_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def post_ready(cluster: Cluster, node: str) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    condition = {"type": "Ready", "status": "True", "reason": "KubeletReady",
                 "message": "kubelet is posting ready status",
                 "lastHeartbeatTime": now, "lastTransitionTime": now}  # fmt: skip
    await cluster.api("", "v1", "nodes").patch(
        node, {"status": {"conditions": [condition]}}, patch_type="strategic", subresource="status"
    )


async def renew_lease_forever(cluster: Cluster, node: str) -> None:
    leases = cluster.api("coordination.k8s.io", "v1", "leases")
    lease = await leases.create({
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": node, "namespace": "kube-node-lease"},
        "spec": {"holderIdentity": node, "leaseDurationSeconds": 40, "renewTime": micro_now()},
    })  # fmt: skip
    while True:
        await asyncio.sleep(0.2)
        lease["spec"]["renewTime"] = micro_now()
        lease = await leases.update(lease)


def taints_of(node: dict[str, Any]) -> set[tuple[str, str]]:
    return {(t["key"], t["effect"]) for t in node["spec"].get("taints") or []}


def condition(obj: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(c for c in obj["status"].get("conditions") or [] if c["type"] == kind)


async def test_silent_node_becomes_unknown_tainted_and_its_pods_are_evicted(
    cluster: Cluster,
) -> None:
    nodes, pods = cluster.api("", "v1", "nodes"), cluster.api("", "v1", "pods")
    await nodes.create(node_manifest("n1"))
    await post_ready(cluster, "n1")
    short = [
        {"key": UNREACHABLE, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 1}
    ]
    forever = [{"key": UNREACHABLE, "operator": "Exists", "effect": "NoExecute"}]
    await pods.create(pod_manifest("short", "n1", tolerations=short), "test")
    await pods.create(pod_manifest("forever", "n1", tolerations=forever), "test")
    await pods.create(pod_manifest("defaulted", "n1"), "test")  # admission adds 300 s
    for name in ("short", "forever", "defaulted"):
        await set_pod_status(cluster, "test", name, **ready_status())

    options = ControllerOptions(node_monitor_grace_period=1.0, node_startup_grace_period=1.0)
    kubelet = asyncio.create_task(renew_lease_forever(cluster, "n1"))
    try:
        async with running(
            cluster, NodeLifecycleController, TaintEvictionController, options=options
        ):
            await asyncio.sleep(1.8)  # longer than the grace period, but the lease is renewed
            node = await nodes.get("n1")
            assert condition(node, "Ready")["status"] == "True"
            assert taints_of(node) == set()

            kubelet.cancel()  # the kubelet dies

            async def unknown() -> dict[str, Any] | None:
                node = await nodes.get("n1")
                return node if condition(node, "Ready")["status"] == "Unknown" else None

            node = await eventually(unknown, 5, "Ready=Unknown")
            ready = condition(node, "Ready")
            assert ready["reason"] == "NodeStatusUnknown"
            assert ready["message"] == "Kubelet stopped posting node status."
            node = await eventually(lambda: _tainted(nodes), 5, "unreachable taints on the node")
            assert taints_of(node) == {(UNREACHABLE, "NoSchedule"), (UNREACHABLE, "NoExecute")}

            async def short_evicted() -> bool:
                pod = await pods.get("short", "test")
                return bool(pod["metadata"].get("deletionTimestamp"))

            await eventually(short_evicted, 5, "the pod tolerating 1 s to be evicted")
            evicted = await pods.get("short", "test")
            assert condition(evicted, "DisruptionTarget")["reason"] == "DeletionByTaintManager"
            for name in ("forever", "defaulted"):
                pod = await pods.get(name, "test")
                assert not pod["metadata"].get("deletionTimestamp"), name
                assert condition(pod, "Ready")["status"] == "False", name

            async def events() -> set[str]:
                listed = await cluster.api("", "v1", "events").list()
                return {e["reason"] for e in listed["items"]} >= {
                    "NodeNotReady",
                    "TaintManagerEviction",
                }

            await eventually(events, 5, "NodeNotReady and TaintManagerEviction events")

            await post_ready(cluster, "n1")  # the kubelet is back

            async def untainted() -> bool:
                node = await nodes.get("n1")
                return condition(node, "Ready")["status"] == "True" and not taints_of(node)

            await eventually(untainted, 5, "taints removed after the node is Ready again")
    finally:
        kubelet.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await kubelet


async def _tainted(nodes: Any) -> dict[str, Any] | None:
    node = await nodes.get("n1")
    return node if len(taints_of(node)) == 2 else None


async def test_node_that_never_posts_status_is_judged_after_its_startup_grace(
    cluster: Cluster,
) -> None:
    nodes = cluster.api("", "v1", "nodes")
    await nodes.create(node_manifest("silent"))
    options = ControllerOptions(node_monitor_grace_period=0.5, node_startup_grace_period=1.5)
    async with running(cluster, NodeLifecycleController, options=options):
        await asyncio.sleep(0.8)  # past the monitor grace, within the startup grace
        node = await nodes.get("silent")
        assert not (node.get("status") or {}).get("conditions") and not taints_of(node)

        node = await eventually(
            lambda: _tainted_node(nodes, "silent"), 5, "the silent node tainted"
        )
        ready = condition(node, "Ready")
        assert (ready["status"], ready["reason"]) == ("Unknown", "NodeStatusNeverUpdated")
        assert ready["message"] == "Kubelet never posted node status."


async def _tainted_node(nodes: Any, name: str) -> dict[str, Any] | None:
    node = await nodes.get(name)
    return node if taints_of(node) else None
