"""`kubectl drain` (the real kubectl) against a real API server, the replicaset and disruption
controllers, and pods bound to Node objects whose status is written through /status.

A budget of minAvailable 2 over 3 replicas lets drain evict one pod at a time: the second
eviction is refused (429, drain says it will retry), until the replacement pod is Ready on
the other node and the disruption controller allows one disruption again.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.integration.apiserver_more.conftest import Cluster, FakeNodes
from tests.integration.controllers.helpers import eventually, list_items, mark_ready, replicaset
from tests.support.kubectl import Kubectl


def node(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}}


def daemon_pod(owner: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "agent-node-1",
            "labels": {"app": "agent"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "DaemonSet",
                    "name": owner["metadata"]["name"],
                    "uid": owner["metadata"]["uid"],
                    "controller": True,
                }
            ],
        },
        "spec": {"nodeName": "node-1", "containers": [{"name": "agent", "image": "busybox"}]},
    }


def daemonset() -> dict[str, Any]:
    labels = {"app": "agent"}
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent"},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "agent", "image": "busybox"}]},
            },
        },
    }


async def ready_nodes(cluster: Cluster) -> None:
    nodes = cluster.api("", "v1", "nodes")
    for name in ("node-1", "node-2"):
        created = await nodes.create(node(name))
        ready = {"type": "Ready", "status": "True", "reason": "KubeletReady"}
        created["status"] = {"conditions": [ready]}
        await nodes.update_status(created)


async def test_kubectl_drain_honours_the_disruption_budget(
    cluster: Cluster, tmp_path: Path
) -> None:
    await ready_nodes(cluster)
    pods = cluster.api("", "v1", "pods")
    budgets = cluster.api("policy", "v1", "poddisruptionbudgets")
    web = replicaset("web", replicas=3)
    web["spec"]["template"]["spec"]["volumes"] = [{"name": "scratch", "emptyDir": {}}]
    await cluster.api("apps", "v1", "replicasets").create(web, "default")
    # The three replicas start on node-1 (the replicaset controller is not running yet).
    async with FakeNodes(pods, spare_node="node-1"):
        await cluster.start("replicaset")
        await eventually(lambda: _running(pods, "node-1", 3), what="3 pods on node-1")
    agent = await cluster.api("apps", "v1", "daemonsets").create(daemonset(), "default")
    await mark_ready(pods, await pods.create(daemon_pod(agent), "default"))
    pdb = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "web"},
        "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}},
    }
    await budgets.create(pdb, "default")
    await cluster.start("disruption")
    status = await eventually(lambda: _allowed(budgets, 1), what="the budget to allow 1")
    assert (status["currentHealthy"], status["desiredHealthy"], status["expectedPods"]) == (3, 2, 3)
    allowed = status["conditions"][0]
    assert (allowed["type"], allowed["status"], allowed["reason"]) == (
        "DisruptionAllowed", "True", "SufficientPods",
    )  # fmt: skip

    kubectl = Kubectl(cluster.url, tmp_path / "kubectl")
    async with FakeNodes(pods, spare_node="node-2"):
        drain = await asyncio.create_subprocess_exec(
            *kubectl._command(
                (
                    "drain",
                    "node-1",
                    "--ignore-daemonsets",
                    "--delete-emptydir-data",
                    "--timeout=60s",
                )
            ),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=kubectl.env,
        )
        out, err = await asyncio.wait_for(drain.communicate(), 90)
    stdout, stderr = out.decode(), err.decode()
    assert drain.returncode == 0, f"drain failed:\n{stdout}\n{stderr}"
    assert "node/node-1 cordoned" in stdout
    assert "node/node-1 drained" in stdout
    assert "Warning: ignoring DaemonSet-managed Pods: default/agent-node-1" in stderr
    assert stdout.count("evicted") == 3
    # The budget held: drain had to wait for a replacement before each further eviction.
    assert "Cannot evict pod as it would violate the pod's disruption budget." in stderr
    assert "(will retry after 5s)" in stderr

    web_pods = [p for p in await list_items(pods) if p["metadata"]["labels"].get("app") == "web"]
    assert sorted(p["spec"]["nodeName"] for p in web_pods) == ["node-2"] * 3
    assert (await cluster.api("", "v1", "nodes").get("node-1"))["spec"]["unschedulable"] is True
    assert [
        p["metadata"]["name"] for p in await list_items(pods) if p["spec"]["nodeName"] == "node-1"
    ] == ["agent-node-1"]


async def _running(pods: Any, node_name: str, count: int) -> bool:
    running = [
        p for p in await list_items(pods)
        if p["spec"].get("nodeName") == node_name and p["status"].get("phase") == "Running"
    ]  # fmt: skip
    return len(running) == count


async def _allowed(budgets: Any, allowed: int) -> dict | None:
    status = (await budgets.get("web", "default")).get("status") or {}
    return status if status.get("disruptionsAllowed") == allowed else None
