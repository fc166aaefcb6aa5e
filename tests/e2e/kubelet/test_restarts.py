"""Restart safety with real containers: the control plane and the kubelet come and go, pods stay.

Also static pods: a kubelet with no API server at all runs its manifests, and once it is given
one, the static pod appears there as its mirror pod.
"""

from __future__ import annotations

import asyncio
import json

from pyk8s.kubelet.network.cni import ensure_conflist
from pyk8s.kubelet.runtime.runc_sandboxes import RuncSandboxes
from tests.e2e.kubelet.conftest import Cluster, wait_for
from tests.e2e.kubelet.processes import KubeletProcess, NodeSetup, clean_node


def _web_pod(cluster: Cluster, name: str) -> None:
    cluster.apply(cluster.pod(name, [{"name": "web", "image": cluster.web_image}]))


def _container(cluster: Cluster, pod: str) -> tuple[str, int]:
    status = cluster.container_status(pod)
    return status["containerID"], status["restartCount"]


def test_pods_keep_running_while_the_control_plane_is_down(cluster: Cluster) -> None:
    _web_pod(cluster, "steady")
    ip = cluster.wait_running("steady")["podIP"]
    before = _container(cluster, "steady")
    cluster.apiserver.stop()
    cluster.scheduler.stop()
    try:
        for _ in range(3):  # the kubelet keeps failing to reach the API server meanwhile
            assert cluster.http_get(f"http://{ip}/") == b"hello from pyk8s\n"
            asyncio.run(asyncio.sleep(1))
        assert cluster.kubelet.running
    finally:
        cluster.apiserver.start()
        cluster.scheduler.start()
    assert cluster.wait_running("steady")["podIP"] == ip
    assert _container(cluster, "steady") == before
    # Everything works as before: a new pod, scheduled this time, runs and serves.
    cluster.kubectl("run", "after-outage", f"--image={cluster.web_image}")
    assert cluster.http_get(f"http://{cluster.wait_running('after-outage')['podIP']}/")


def test_restarted_kubelet_adopts_running_containers(cluster: Cluster) -> None:
    _web_pod(cluster, "adopted")
    ip = cluster.wait_running("adopted")["podIP"]
    before = _container(cluster, "adopted")
    cluster.kubelet.restart()
    asyncio.run(asyncio.sleep(3))  # a few relists and syncs of the new kubelet
    assert _container(cluster, "adopted") == before
    assert cluster.pod_status("adopted")["phase"] == "Running"
    assert cluster.http_get(f"http://{ip}/") == b"hello from pyk8s\n"
    # The new kubelet serves the kubelet API and runs new pods too.
    assert cluster.kubectl("exec", "adopted", "--", "hostname").stdout == "adopted\n"
    _web_pod(cluster, "after-restart")
    cluster.wait_running("after-restart")


def _static_pod_ip(node: NodeSetup) -> str | None:
    sandboxes = RuncSandboxes(str(node.root / "runtime"), None).list()
    return next((s.ip for s in sandboxes if s.state == "ready" and s.ip), None)


def test_static_pod_runs_without_api_server_then_gets_a_mirror_pod(cluster: Cluster) -> None:
    # A second node in the same network: its own bridge and pod CIDR, tainted so that the
    # scheduler leaves it alone.
    node = NodeSetup("static-node", cluster.netns, cluster.tmp / "static-node",
                     cluster.node.tag, "10.244.8.0/24")  # fmt: skip
    ensure_conflist(str(node.root / "net.d"), node.pod_cidr, bridge="cni-static",
                    data_dir=str(node.root / "cni" / "ipam"))  # fmt: skip
    manifest = {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "static-web", "namespace": "default"},
                "spec": {"containers": [{"name": "web", "image": cluster.web_image}]}}  # fmt: skip
    (node.manifests / "web.json").write_text(json.dumps(manifest))
    kubelet = KubeletProcess(node, "", cluster.tmp / "static-kubelet.log")
    try:
        kubelet.start()
        ip = wait_for(lambda: _static_pod_ip(node), 30, "the static pod's sandbox")
        assert ip.startswith("10.244.8.")
        wait_for(lambda: cluster.http_get(f"http://{ip}/"), 30, "the static pod to serve")
        kubelet.stop()
        kubelet.master = cluster.api_url
        kubelet.extra_flags = ["--register-with-taints", "dedicated=static:NoSchedule"]
        kubelet.start()
        mirror = wait_for(lambda: cluster.get("pod", "static-web-static-node"), 30, "the mirror")
        annotations = mirror["metadata"]["annotations"]
        assert annotations["kubernetes.io/config.source"] == "file"
        assert "kubernetes.io/config.mirror" in annotations
        assert mirror["spec"]["nodeName"] == "static-node"
        assert cluster.wait_running("static-web-static-node")["podIP"] == ip
        assert cluster.container_status("static-web-static-node")["restartCount"] == 0
    finally:
        kubelet.stop()
        clean_node(node)
