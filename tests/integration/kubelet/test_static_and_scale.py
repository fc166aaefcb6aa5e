"""Static pods without an API server, their mirror pods with one; twenty hollow nodes."""

from __future__ import annotations

import asyncio

import yaml

from pyk8s.api.errors import NotFound
from pyk8s.kubelet.hollow_nodes import hollow_kubelets
from pyk8s.kubelet.runtime.hollow import HollowRuntime
from pyk8s.kubelet.static import MIRROR_ANNOTATION
from tests.integration.kubelet.conftest import eventually, pod_manifest

STATIC = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "etcd"},
    "spec": {"containers": [{"name": "etcd", "image": "busybox:1.36"}]},
}


async def test_static_pod_runs_with_no_api_server(tmp_path, start_kubelet):
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    (manifests / "etcd.yaml").write_text(yaml.safe_dump(STATIC))
    runtime = HollowRuntime("10.244.1.0/24")
    kubelet = await start_kubelet(
        runtime=runtime, use_client=False, pod_manifest_path=str(manifests)
    )

    async def running():
        return [c for c in await runtime.list_containers() if c.state == "running"]

    [container] = await eventually(running, what="the static pod's container")
    assert container.name == "etcd"
    [sandbox] = await runtime.list_sandboxes()
    assert sandbox.pod_name == "etcd-node-1" and sandbox.pod_namespace == "default"

    (manifests / "etcd.yaml").unlink()  # removing the manifest stops the pod

    async def stopped():
        return not await runtime.list_sandboxes()

    await eventually(stopped, what="the static pod to stop")
    assert kubelet.workers.pods() == []


async def test_static_pod_gets_a_mirror_pod_which_comes_back(client, tmp_path, start_kubelet):
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    (manifests / "etcd.yaml").write_text(yaml.safe_dump(STATIC))
    await start_kubelet(pod_manifest_path=str(manifests))
    pods = client.resource("", "v1", "pods")

    async def mirror_running():
        pod = await pods.get("etcd-node-1", "default")
        return pod if pod.get("status", {}).get("phase") == "Running" else None

    mirror = await eventually(mirror_running, what="the mirror pod Running")
    assert MIRROR_ANNOTATION in mirror["metadata"]["annotations"]
    assert mirror["metadata"]["ownerReferences"][0]["kind"] == "Node"
    assert mirror["spec"]["nodeName"] == "node-1"

    # Deleting a mirror pod does not stop the static pod: the kubelet posts it again.
    await pods.delete("etcd-node-1", "default", grace_period_seconds=0)

    async def reposted():
        pod = await pods.get("etcd-node-1", "default")
        return pod["metadata"]["uid"] != mirror["metadata"]["uid"]

    await eventually(reposted, what="the mirror pod to come back")


async def test_twenty_hollow_nodes_register_and_run_pods(client, tmp_path):
    kubelets = hollow_kubelets(client, 20, root_dir=str(tmp_path), status_period=1.0)
    for kubelet in kubelets:
        await kubelet.start()
    try:
        nodes = client.resource("", "v1", "nodes")

        async def all_ready():
            items = (await nodes.list())["items"]
            ready = [
                n for n in items
                if any(c["type"] == "Ready" and c["status"] == "True" for c in n.get("status", {}).get("conditions", []))
            ]  # fmt: skip
            return len(ready) == 20

        await eventually(all_ready, timeout=30, what="20 Ready nodes")
        pods = client.resource("", "v1", "pods")
        await asyncio.gather(
            *(pods.create(pod_manifest(f"p{i}", node=f"hollow-node-{i % 20}")) for i in range(40))
        )

        async def all_running():
            items = (await pods.list("default"))["items"]
            return sum(p.get("status", {}).get("phase") == "Running" for p in items) == 40

        await eventually(all_running, timeout=30, what="40 pods Running")
        ips = {p["status"]["podIP"] for p in (await pods.list("default"))["items"]}
        assert len(ips) == 40  # every pod its own address (nodes have distinct CIDRs)
    finally:
        await asyncio.gather(*(kubelet.stop() for kubelet in kubelets))


async def test_force_deleted_pod_is_stopped(client, start_kubelet):
    runtime = HollowRuntime("10.244.1.0/24")
    await start_kubelet(runtime=runtime)
    pods = client.resource("", "v1", "pods")
    await pods.create(pod_manifest("forced"))

    async def running():
        pod = await pods.get("forced", "default")
        return pod.get("status", {}).get("phase") == "Running"

    await eventually(running, what="forced Running")
    await pods.delete("forced", "default", grace_period_seconds=0)
    try:
        await pods.get("forced", "default")
        raise AssertionError("a delete with grace 0 removes the object at once")
    except NotFound:
        pass

    async def cleaned():
        return not await runtime.list_sandboxes()

    await eventually(cleaned, what="the sandbox to go")
