"""Each filter, and preemption, end to end: objects made through a real (in-process) API
server, the scheduler's verdict read back from the pod (nodeName, the PodScheduled condition
with kube-scheduler's exact message, nominatedNodeName) and from Events.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from pyk8s.client.config import ClientConfig
from pyk8s.client.resources import ResourceClient
from pyk8s.client.rest import Client
from pyk8s.scheduler.config import SchedulerConfiguration
from pyk8s.scheduler.server import SchedulerServer, ServerOptions

NOT_HELPFUL = "Preemption is not helpful for scheduling."


@dataclass
class Cluster:
    client: Client
    nodes: ResourceClient
    pods: ResourceClient

    async def node(self, name: str, cpu: str = "2", pods: str = "110", **spec: Any) -> None:
        labels = {"kubernetes.io/hostname": name, **spec.pop("labels", {})}
        allocatable = {"cpu": cpu, "memory": "4Gi", "pods": pods}
        node = {"metadata": {"name": name, "labels": labels}, "spec": spec}
        created = await self.nodes.create({"apiVersion": "v1", "kind": "Node", **node})
        created["status"] = {"allocatable": allocatable, "capacity": allocatable}
        await self.nodes.update_status(created)

    async def pod(self, name: str, cpu: str = "100m", **spec: Any) -> None:
        container = {"name": "c", "image": "busybox", "resources": {"requests": {"cpu": cpu}}}
        body = {"metadata": {"name": name}, "spec": {"containers": [container], **spec}}
        await self.pods.create({"apiVersion": "v1", "kind": "Pod", **body}, "default")

    async def node_of(self, name: str) -> str:
        return (await self.pods.get(name, "default"))["spec"].get("nodeName") or ""

    async def unschedulable_message(self, name: str) -> str:
        status = (await self.pods.get(name, "default")).get("status") or {}
        for condition in status.get("conditions") or []:
            if condition["type"] == "PodScheduled" and condition["status"] == "False":
                return condition["message"]
        return ""

    async def events(self, name: str) -> list[tuple[str, str]]:
        selector = f"involvedObject.name={name}"
        listed = await self.client.resource("", "v1", "events", namespaced=True).list(
            "default", field_selector=selector
        )
        return [(event["reason"], event["message"]) for event in listed["items"]]


async def eventually(check, timeout: float = 10.0, what: str = "condition"):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} not reached in {timeout} s (last: {result!r})")
        await asyncio.sleep(0.05)


@pytest.fixture
async def cluster(apiserver) -> AsyncIterator[Cluster]:
    async with Client(ClientConfig(server=apiserver.url)) as client:
        accounts = client.resource("", "v1", "serviceaccounts", namespaced=True)
        account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}
        await accounts.create(account, "default")
        options = ServerOptions(leader_elect=False, healthz_port=0)
        server = SchedulerServer(client, SchedulerConfiguration(), options)
        task = asyncio.create_task(server.run())
        try:
            yield Cluster(
                client,
                client.resource("", "v1", "nodes"),
                client.resource("", "v1", "pods", namespaced=True),
            )
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def test_taints_and_cordons_keep_pods_off_unless_tolerated(cluster: Cluster) -> None:
    await cluster.node("gpu", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}])
    await cluster.node("cordoned", unschedulable=True)
    await cluster.pod("plain")
    expected = (
        "0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, "
        f"1 node(s) were unschedulable. preemption: 0/2 nodes are available: 2 {NOT_HELPFUL}"
    )
    assert await eventually(lambda: cluster.unschedulable_message("plain")) == expected
    assert ("FailedScheduling", expected) in await cluster.events("plain")

    toleration = {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}
    await cluster.pod("tolerant", tolerations=[toleration])
    assert await eventually(lambda: cluster.node_of("tolerant")) == "gpu"
    assert await cluster.node_of("plain") == ""


async def test_node_affinity_and_node_selector(cluster: Cluster) -> None:
    zone = "topology.kubernetes.io/zone"
    await cluster.node("a", labels={zone: "zone-a"})
    await cluster.node("b", labels={zone: "zone-b"})
    expression = {"key": zone, "operator": "In", "values": ["zone-b"]}
    required = {"nodeSelectorTerms": [{"matchExpressions": [expression]}]}
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": required}}
    for name in ("b-only-1", "b-only-2", "b-only-3"):
        await cluster.pod(name, affinity=affinity)
    for name in ("b-only-1", "b-only-2", "b-only-3"):
        assert await eventually(lambda name=name: cluster.node_of(name)) == "b"

    await cluster.pod("wants-ssd", nodeSelector={"disk": "ssd"})
    expected = (
        "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. "
        f"preemption: 0/2 nodes are available: 2 {NOT_HELPFUL}"
    )
    assert await eventually(lambda: cluster.unschedulable_message("wants-ssd")) == expected
    # Labelling a node is a change that can help: the pod is retried and lands there.
    await cluster.nodes.patch("a", {"metadata": {"labels": {"disk": "ssd"}}})
    assert await eventually(lambda: cluster.node_of("wants-ssd")) == "a"


async def test_resources_count_pods_already_bound_and_the_pods_limit(cluster: Cluster) -> None:
    await cluster.node("small", cpu="1", pods="2")
    await cluster.pod("first", "600m")
    assert await eventually(lambda: cluster.node_of("first")) == "small"
    await cluster.pod("second", "600m")  # 1.2 cpu in all: more than the node has
    expected_cpu = (
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
        "1 No preemption victims found for incoming pod."
    )
    assert await eventually(lambda: cluster.unschedulable_message("second")) == expected_cpu
    await cluster.pod("tiny", "100m")
    assert await eventually(lambda: cluster.node_of("tiny")) == "small"
    await cluster.pod("third", "100m")  # fits by cpu, but the node takes two pods
    expected_pods = (
        "0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes are available: "
        "1 No preemption victims found for incoming pod."
    )
    assert await eventually(lambda: cluster.unschedulable_message("third")) == expected_pods
    # Deleting a pod frees its share: the waiting pods are retried.
    await cluster.pods.delete("first", "default", grace_period_seconds=0)
    assert await eventually(lambda: cluster.node_of("second")) == "small"


async def priority_class(cluster: Cluster, name: str, value: int) -> None:
    classes = cluster.client.resource("scheduling.k8s.io", "v1", "priorityclasses")
    body = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "value": value}
    await classes.create({**body, "metadata": {"name": name}})


async def test_preemption_evicts_the_least_important_pod_and_nominates_its_node(
    cluster: Cluster,
) -> None:
    await priority_class(cluster, "low", 100)
    await priority_class(cluster, "middle", 500)
    await priority_class(cluster, "high", 1000)
    await cluster.node("n1", cpu="1")
    await cluster.node("n2", cpu="1")
    await cluster.pod("batch", "800m", priorityClassName="low", nodeName="n1")
    await cluster.pod("service", "800m", priorityClassName="middle", nodeName="n2")
    await cluster.pod("urgent", "500m", priorityClassName="high")

    async def nominated() -> str:
        return (await cluster.pods.get("urgent", "default"))["status"].get("nominatedNodeName")

    assert await eventually(nominated, what="nominatedNodeName") == "n1"
    victim = await eventually(lambda: cluster.pods.get("batch", "default"))
    assert victim["metadata"].get("deletionTimestamp"), "the victim is being deleted"
    [disruption] = [c for c in victim["status"]["conditions"] if c["type"] == "DisruptionTarget"]
    assert disruption["reason"] == "PreemptionByScheduler"
    uid = (await cluster.pods.get("urgent", "default"))["metadata"]["uid"]
    assert ("Preempted", f"Preempted by pod {uid} on node n1") in await cluster.events("batch")
    # The victim is still terminating: the preemptor waits instead of evicting again.
    not_eligible = "preemption: not eligible due to a terminating pod on the nominated node."
    await cluster.nodes.patch("n2", {"metadata": {"labels": {"touched": "yes"}}})  # a retry
    assert (await eventually(lambda: cluster.unschedulable_message("urgent"))).endswith(
        ("Insufficient cpu.", not_eligible)
    )
    await asyncio.sleep(0.5)
    assert not (await cluster.pods.get("service", "default"))["metadata"].get("deletionTimestamp")

    # Acting as n1's kubelet: the victim's containers stopped, its deletion is confirmed.
    await cluster.pods.delete("batch", "default", grace_period_seconds=0)
    assert await eventually(lambda: cluster.node_of("urgent")) == "n1"
    assert await cluster.node_of("service") == "n2"
