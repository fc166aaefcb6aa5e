"""One real cluster per test module, with pods as runc containers: the kubelet end to end.

Everything runs inside a network namespace the fixture creates (`pyk8s-k<hex>-node`), which
stands for the node's own network (DESIGN.md, network safety):

    pyk8s apiserver (SQLite) ─┬─ pyk8s controller-manager, pyk8s scheduler   (--master)
                              └─ pyk8s kubelet --container-runtime runc        (--master)
    docker-registry           serves the test images built from busybox-static
    kubectl                   run through `ip netns exec`, so it reaches 127.0.0.1 there

The CNI bridge, the veths, the pod IPs and the portmap iptables chains exist only in that
namespace; pod cgroups live under `/pyk8s-k<hex>`, pod network namespaces are named
`pyk8s-k<hex>-<sandbox>`, and every file is under the module's tmp dir. Teardown stops the
processes it started (by PID), then removes containers, mounts, namespaces and cgroups, also
when a test failed.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pyk8s.pki.certs import new_ca
from tests.e2e.kubelet.processes import KubeletProcess, NodeSetup, Process, clean_node, in_netns
from tests.support.apiserver import free_port
from tests.support.images import Registry, busybox_image
from tests.support.kubectl import kubectl_binary

NODE = "node-e2e"


def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll `predicate` until it returns something truthy; fail naming `what` and the last value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.25)
    pytest.fail(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


@dataclass
class Cluster:
    netns: str
    tmp: Path
    api_url: str
    apiserver: Process
    controller_manager: Process
    scheduler: Process
    kubelet: KubeletProcess
    node: NodeSetup
    image: str  # busybox, /bin/sh as its command
    web_image: str  # busybox httpd serving "hello from pyk8s" on port 80
    extra: list[Process] = field(default_factory=list)

    def kubectl(
        self, *args: str, input: str | None = None, check: bool = True, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        command = ["ip", "netns", "exec", self.netns, kubectl_binary(), "--server", self.api_url]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.tmp / "kubectl"),
            "KUBECACHEDIR": str(self.tmp / "kubectl" / "cache"),
            "KUBECONFIG": str(self.tmp / "kubectl" / "kubeconfig"),
        }
        result = subprocess.run(
            [*command, *args], input=input, capture_output=True, text=True, timeout=timeout, env=env
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} failed ({result.returncode}):\n"
                f"stdout: {result.stdout}\nstderr: {result.stderr}"
            )
        return result

    def apply(self, manifest: dict[str, Any]) -> None:
        self.kubectl("apply", "-f", "-", input=json.dumps(manifest))

    def get(self, kind: str, name: str, namespace: str = "default") -> dict[str, Any] | None:
        done = self.kubectl("get", kind, name, "-n", namespace, "-o", "json", check=False)
        return json.loads(done.stdout) if done.returncode == 0 else None

    def pod_status(self, name: str) -> dict[str, Any]:
        pod = self.get("pod", name)
        return pod["status"] if pod else {}

    def container_status(self, pod: str, container: str | None = None) -> dict[str, Any]:
        statuses = self.pod_status(pod).get("containerStatuses") or [{}]
        return next((s for s in statuses if container in (None, s.get("name"))), {})

    def wait_running(self, name: str, timeout: float = 30) -> dict[str, Any]:
        def running() -> dict[str, Any] | None:
            status = self.pod_status(name)
            return status if status.get("phase") == "Running" and status.get("podIP") else None

        return wait_for(running, timeout, f"pod {name} Running with an IP")

    def node_exec(self, *argv: str, timeout: float = 10) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            ["ip", "netns", "exec", self.netns, *argv], capture_output=True, timeout=timeout
        )

    def http_get(self, url: str) -> bytes | None:
        """GET from the node's network (busybox wget: its -T crashes, so `timeout` bounds it)."""
        done = self.node_exec("timeout", "5", "busybox", "wget", "-q", "-O", "-", url)
        return done.stdout if done.returncode == 0 else None

    def pod(self, name: str, containers: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
        """A Pod manifest bound to the node (no scheduler involved)."""
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"nodeName": NODE, "containers": containers, **spec},
        }


def _require(binary: str, package: str) -> None:
    if shutil.which(binary) is None and not os.path.exists(binary):
        pytest.fail(f"{binary} not found: apt-get install {package}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with running_cluster(tmp_path_factory.mktemp("kubelet-e2e")) as made:
        yield made


@contextlib.contextmanager
def running_cluster(
    tmp: Path,
    *,
    prepare_netns: Callable[[str], None] | None = None,
    kubelet_flags: Sequence[str] = (),
) -> Iterator[Cluster]:
    """The cluster above, removed on exit. `prepare_netns(netns)` runs before any component
    starts (to give the node more interfaces); `kubelet_flags` go after the kubelet's own."""
    for binary, package in (("ip", "iproute2"), ("runc", "runc"), ("busybox", "busybox-static"),
                            ("/usr/lib/cni/bridge", "containernetworking-plugins")):  # fmt: skip
        _require(binary, package)
    tag = f"pyk8s-k{secrets.token_hex(3)}"
    netns = f"{tag}-node"
    subprocess.run(["ip", "netns", "add", netns], check=True)
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(subprocess.run, ["ip", "netns", "delete", netns], check=False)
        subprocess.run(["ip", "-n", netns, "link", "set", "lo", "up"], check=True)
        if prepare_netns is not None:
            prepare_netns(netns)
        registry = in_netns(netns, lambda: Registry(tmp / "registry"))
        cleanup.callback(registry.stop)
        image = in_netns(netns, lambda: registry.push(busybox_image(), "pyk8s/busybox", "1.0"))
        web = busybox_image(cmd=["/bin/httpd", "-f", "-p", "80", "-h", "/www"])
        web_image = in_netns(netns, lambda: registry.push(web, "pyk8s/web", "1.0"))

        port = free_port()
        api_url = f"http://127.0.0.1:{port}"
        apiserver = Process("apiserver", ["apiserver", "--data-dir", str(tmp / "data"),
                            "--insecure-port", str(port), "--secure-port", "0"], netns,
                            tmp / "apiserver.log", ready_line="serving on")  # fmt: skip
        cleanup.callback(apiserver.stop)
        apiserver.start()
        master = ["--master", api_url, "--secure-port", "0", "--leader-elect=false"]
        # The CA that the controller manager publishes as kube-root-ca.crt, which every pod's
        # service-account volume projects.
        root_ca, _ = new_ca().write(tmp / "pki", "ca")
        controllers = Process("controller-manager", ["controller-manager", *master,
                              "--root-ca-file", str(root_ca)], netns,
                              tmp / "controller-manager.log")  # fmt: skip
        scheduler = Process("scheduler", ["scheduler", *master], netns, tmp / "scheduler.log")
        for component in (controllers, scheduler):
            cleanup.callback(component.stop)
            component.start()

        node = NodeSetup(NODE, netns, tmp / "node", tag, "10.244.7.0/24")
        kubelet = KubeletProcess(node, api_url, tmp / "kubelet.log")
        kubelet.extra_flags = list(kubelet_flags)
        cleanup.callback(clean_node, node)
        cleanup.callback(kubelet.stop)
        kubelet.start()
        made = Cluster(netns, tmp, api_url, apiserver, controllers, scheduler, kubelet, node,
                       image, web_image)  # fmt: skip
        cleanup.callback(lambda: [extra.stop() for extra in made.extra])

        def node_ready() -> bool:
            found = made.get("node", NODE, namespace="")
            conditions = (found or {}).get("status", {}).get("conditions", [])
            return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)

        wait_for(node_ready, 30, f"node {NODE} Ready")
        wait_for(lambda: made.get("serviceaccount", "default"), 30, "the default service account")
        yield made
