"""`pyk8s up`, the README's first command: a whole cluster that kubectl can use, stopped cleanly.

The cluster runs inside a network namespace this test makes, so that the kubelet's pod
network and kube-proxy's iptables rules exist only there (DESIGN.md, network safety). The
hollow runtime keeps it fast: pods run no containers but go through the whole control plane.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest

from tests.support.apiserver import ROOT, free_port
from tests.support.kubectl import kubectl_binary


@pytest.fixture
def netns():
    name = f"pyk8s-up-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what} (last: {last!r})")


def test_up_starts_every_component_and_stops_on_ctrl_c(tmp_path, netns):
    port = free_port()
    data_dir = tmp_path / "cluster"
    in_netns = ["ip", "netns", "exec", netns]
    up = subprocess.Popen(
        [*in_netns, sys.executable, "-m", "pyk8s", "up", "--data-dir", str(data_dir),
         "--secure-port", str(port), "--container-runtime", "hollow", "--node-name", "node-1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
    )  # fmt: skip
    output = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = up.stdout.readline()
            output.append(line)
            if "Ctrl-C stops it" in line or not line:
                break
        printed = "".join(output)
        assert "The cluster is up" in printed, printed
        kubeconfig = data_dir / "pki" / "admin.kubeconfig"
        assert f"export KUBECONFIG={kubeconfig}" in printed
        env = {**os.environ, "KUBECONFIG": str(kubeconfig), "KUBECACHEDIR": str(tmp_path / "c")}

        def kubectl(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [*in_netns, kubectl_binary(), *args], capture_output=True, text=True, env=env,
                timeout=30,
            )  # fmt: skip

        # The node registers itself; a deployment's pods are scheduled onto it and run.
        wait_for(lambda: "node-1" in kubectl("get", "nodes").stdout, 60, "the node")
        created = kubectl("create", "deployment", "web", "--image=nginx", "--replicas=2")
        assert created.returncode == 0, created.stderr

        def running_pods():
            pods = json.loads(kubectl("get", "pods", "-o", "json").stdout or "{}")
            phases = [p["status"].get("phase") for p in pods.get("items", [])]
            return phases if phases == ["Running", "Running"] else None

        wait_for(running_pods, 90, "2 Running pods")
        # Every pod mounts kube-root-ca.crt: the controller manager publishes it under RBAC.
        wait_for(
            lambda: kubectl("get", "configmap", "kube-root-ca.crt").returncode == 0,
            30, "the kube-root-ca.crt ConfigMap",
        )  # fmt: skip
        # Plain HTTP gets nowhere: the port speaks only TLS, and no insecure port was asked for.
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/configmaps", timeout=5)
    finally:
        up.send_signal(signal.SIGINT)
        try:
            up.wait(timeout=30)
        except subprocess.TimeoutExpired:
            up.kill()
            up.wait()
            pytest.fail("pyk8s up did not stop on SIGINT")
    assert up.returncode == 0
