"""A DaemonSet across three Node objects, with the test playing scheduler and kubelet."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from pyk8s.api import errors
from pyk8s.controllers.daemonset import DaemonSetController
from tests.integration.controllers_b.conftest import (
    Cluster,
    eventually,
    node_manifest,
    ready_status,
    running,
    set_pod_status,
)

NODES = ("n1", "n2", "n3")


def daemonset_manifest(image: str) -> dict[str, Any]:
    labels = {"app": "agent"}
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent"},
        "spec": {
            "selector": {"matchLabels": labels},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "agent", "image": image}]},
            },
        },
    }


def pinned_node(pod: dict[str, Any]) -> str:
    terms = pod["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]
    [term] = terms["nodeSelectorTerms"]
    [field] = term["matchFields"]
    assert field["key"] == "metadata.name" and field["operator"] == "In"
    return str(field["values"][0])


async def daemon_pods(cluster: Cluster) -> list[dict[str, Any]]:
    listed = await cluster.api("", "v1", "pods").list("test", label_selector="app=agent")
    return listed["items"]


async def scheduler_and_kubelet(cluster: Cluster, least_ready: list[int]) -> None:
    """Bind pending daemon pods where their affinity says, make them Ready, finish deletions.

    Records in `least_ready` the fewest nodes seen with a ready daemon pod during a rollout.
    """
    pods_api = cluster.api("", "v1", "pods")
    while True:
        pods = await daemon_pods(cluster)
        ready_nodes = {p["spec"].get("nodeName") for p in pods if _ready(p)}
        least_ready[0] = min(least_ready[0], len(ready_nodes))
        for pod in pods:
            name = pod["metadata"]["name"]
            with contextlib.suppress(errors.NotFound, errors.Conflict):
                if pod["metadata"].get("deletionTimestamp"):
                    await pods_api.delete(name, "test", grace_period_seconds=0)
                elif not pod["spec"].get("nodeName"):
                    binding = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name},
                               "target": {"apiVersion": "v1", "kind": "Node", "name": pinned_node(pod)}}  # fmt: skip
                    await cluster.client.request(
                        "POST", f"/api/v1/namespaces/test/pods/{name}/binding", body=binding
                    )
                elif not _ready(pod):
                    await set_pod_status(cluster, "test", name, **ready_status())
        await asyncio.sleep(0.05)


def _ready(pod: dict[str, Any]) -> bool:
    return any(
        c["type"] == "Ready" and c["status"] == "True"
        for c in pod["status"].get("conditions") or []
    )


async def test_daemonset_runs_one_pod_per_node_and_rolls_one_node_at_a_time(
    cluster: Cluster,
) -> None:
    for name in NODES:
        await cluster.api("", "v1", "nodes").create(node_manifest(name))
    daemonsets = cluster.api("apps", "v1", "daemonsets")
    await daemonsets.create(daemonset_manifest("agent:v1"), "test")
    async with running(cluster, DaemonSetController):

        async def three_pods() -> list[dict[str, Any]] | None:
            pods = await daemon_pods(cluster)
            return pods if len(pods) == 3 else None

        pods = await eventually(three_pods, 10, "one daemon pod per node")
        assert sorted(pinned_node(p) for p in pods) == list(NODES)
        for pod in pods:
            assert not pod["spec"].get("nodeName"), "placement is the scheduler's job"
            keys = {t["key"] for t in pod["spec"]["tolerations"]}
            assert "node.kubernetes.io/unschedulable" in keys
            assert pod["metadata"]["labels"]["controller-revision-hash"]

        least_ready = [len(NODES)]
        kubelet = asyncio.create_task(scheduler_and_kubelet(cluster, least_ready))
        try:

            async def all_ready() -> dict[str, Any] | None:
                ds = await daemonsets.get("agent", "test")
                status = ds.get("status") or {}
                return (
                    ds
                    if status.get("numberReady") == 3 and status.get("numberAvailable") == 3
                    else None
                )

            ds = await eventually(all_ready, 10, "3 ready daemon pods in the status")
            assert ds["status"]["desiredNumberScheduled"] == 3
            assert ds["status"]["currentNumberScheduled"] == 3
            assert ds["status"]["updatedNumberScheduled"] == 3
            assert ds["status"]["numberMisscheduled"] == 0

            ds["spec"]["template"]["spec"]["containers"][0]["image"] = "agent:v2"
            await daemonsets.update(ds)
            least_ready[0] = len(NODES)

            async def rolled() -> bool:
                pods = await daemon_pods(cluster)
                images = [p["spec"]["containers"][0]["image"] for p in pods if _ready(p)]
                ds = await daemonsets.get("agent", "test")
                updated = (ds.get("status") or {}).get("updatedNumberScheduled")
                return images == ["agent:v2"] * 3 and len(pods) == 3 and updated == 3

            await eventually(rolled, 15, "every node running agent:v2")
            assert least_ready[0] >= 2, "maxUnavailable 1: never two nodes down at once"
        finally:
            kubelet.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await kubelet

        revisions = await cluster.api("apps", "v1", "controllerrevisions").list("test")
        numbers = sorted(r["revision"] for r in revisions["items"])
        assert numbers == [1, 2]
