"""A hollow kubelet against a real API server: node, lease, pods Running, graceful deletion."""

from __future__ import annotations

import ipaddress

from pyk8s.api.errors import NotFound
from tests.integration.kubelet.conftest import eventually, pod_manifest


async def test_node_registers_ready_with_capacity_and_labels(client, start_kubelet):
    await start_kubelet(
        node_labels={"tier": "edge"},
        register_with_taints=[{"key": "dedicated", "value": "x", "effect": "NoSchedule"}],
    )
    nodes = client.resource("", "v1", "nodes")

    async def ready():
        node = await nodes.get("node-1")
        conditions = {c["type"]: c for c in node.get("status", {}).get("conditions", [])}
        return node if conditions.get("Ready", {}).get("status") == "True" else None

    node = await eventually(ready, what="node-1 Ready")
    status = node["status"]
    assert status["capacity"]["pods"] == "110"
    assert status["capacity"]["cpu"] == "4"
    assert status["allocatable"]["memory"] == "8092Mi"  # 8Gi less the 100Mi eviction threshold
    assert {"type": "InternalIP", "address": "127.0.0.1"} in status["addresses"]
    assert status["daemonEndpoints"]["kubeletEndpoint"]["Port"] == 0
    assert status["nodeInfo"]["kubeletVersion"].startswith("v1.32")
    conditions = {c["type"]: c for c in status["conditions"]}
    assert conditions["MemoryPressure"]["reason"] == "KubeletHasSufficientMemory"
    assert conditions["Ready"]["reason"] == "KubeletReady"
    assert node["metadata"]["labels"]["kubernetes.io/hostname"] == "node-1"
    assert node["metadata"]["labels"]["tier"] == "edge"
    assert node["spec"]["podCIDR"] == "10.244.1.0/24"
    assert node["spec"]["taints"] == [{"key": "dedicated", "value": "x", "effect": "NoSchedule"}]


async def test_node_not_ready_says_why(client, start_kubelet):
    class BrokenNetwork:
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def not_ready_reason(self):
            return "network plugin is not ready: cni config uninitialized"

    from pyk8s.kubelet.runtime.hollow import HollowRuntime

    await start_kubelet(runtime=BrokenNetwork(HollowRuntime("10.244.1.0/24")))
    nodes = client.resource("", "v1", "nodes")

    async def not_ready():
        node = await nodes.get("node-1")
        return {c["type"]: c for c in node.get("status", {}).get("conditions", [])}.get("Ready")

    ready = await eventually(not_ready, what="a Ready condition")
    assert ready["status"] == "False"
    assert ready["reason"] == "KubeletNotReady"
    assert "cni config uninitialized" in ready["message"]


async def test_lease_is_renewed(client, start_kubelet):
    await start_kubelet()
    leases = client.resource("coordination.k8s.io", "v1", "leases")
    first = await eventually(lambda: leases.get("node-1", "kube-node-lease"), what="the lease")
    assert first["spec"]["holderIdentity"] == "node-1"
    assert first["spec"]["leaseDurationSeconds"] == 40

    async def renewed():
        lease = await leases.get("node-1", "kube-node-lease")
        return lease["spec"]["renewTime"] != first["spec"]["renewTime"]

    await eventually(renewed, what="a renewal")


async def test_pod_goes_running_with_ip_and_conditions(client, start_kubelet):
    await start_kubelet()
    pods = client.resource("", "v1", "pods")
    await pods.create(pod_manifest("web"))

    async def running():
        pod = await pods.get("web", "default")
        return pod if pod.get("status", {}).get("phase") == "Running" else None

    pod = await eventually(running, what="web Running")
    status = pod["status"]
    assert ipaddress.ip_address(status["podIP"]) in ipaddress.ip_network("10.244.1.0/24")
    assert status["podIPs"] == [{"ip": status["podIP"]}]
    assert status["hostIP"] == "127.0.0.1"
    conditions = {c["type"]: c["status"] for c in status["conditions"]}
    assert conditions == {
        "PodReadyToStartContainers": "True", "Initialized": "True", "Ready": "True",
        "ContainersReady": "True", "PodScheduled": "True",
    }  # fmt: skip
    [container] = status["containerStatuses"]
    assert container["name"] == "app" and container["ready"] and container["started"]
    assert "running" in container["state"]
    assert container["restartCount"] == 0
    assert container["containerID"].startswith("hollow://")


async def test_graceful_deletion_ends_with_the_object_gone(client, start_kubelet):
    await start_kubelet()
    pods = client.resource("", "v1", "pods")
    await pods.create(pod_manifest("doomed"))
    await eventually(lambda: _phase(pods, "doomed", "Running"), what="doomed Running")
    deleted = await pods.delete("doomed", "default")
    assert deleted["metadata"]["deletionTimestamp"]  # graceful: the kubelet finishes it

    async def gone():
        try:
            await pods.get("doomed", "default")
        except NotFound:
            return True
        return False

    await eventually(gone, what="the pod object to go")


async def test_pods_of_other_nodes_are_left_alone(client, start_kubelet):
    kubelet = await start_kubelet()
    pods = client.resource("", "v1", "pods")
    await pods.create(pod_manifest("elsewhere", node="node-2"))
    await pods.create(pod_manifest("here"))
    await eventually(lambda: _phase(pods, "here", "Running"), what="here Running")
    elsewhere = await pods.get("elsewhere", "default")
    assert "phase" not in elsewhere.get("status", {}) or elsewhere["status"]["phase"] == "Pending"
    assert {p["metadata"]["name"] for p in kubelet.workers.pods()} == {"here"}


async def _phase(pods, name, phase):
    pod = await pods.get(name, "default")
    return pod.get("status", {}).get("phase") == phase
