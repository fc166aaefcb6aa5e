"""`pyk8s proxy` as a process, as the tutorials run it, inside the test's node namespace.

The API server process runs in the same namespace (so the proxy reaches it on that
namespace's own loopback), objects come from the real kubectl, and the proxy is stopped by
PID and then `pyk8s proxy --cleanup` must leave the tables as they were.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from tests.e2e.proxy.topology import NODE_IP, run
from tests.support.apiserver import ROOT
from tests.support.kubectl import kubectl_binary

API = "http://127.0.0.1:18080"
MANIFESTS = {
    "apiVersion": "v1",
    "kind": "List",
    "items": [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {
                "type": "NodePort", "clusterIP": "10.96.0.10",
                "ports": [{"name": "http", "port": 80, "targetPort": 80, "nodePort": 30080}],
            },
        },
        {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {
                "name": "web-1", "namespace": "default",
                "labels": {"kubernetes.io/service-name": "web"},
            },
            "addressType": "IPv4",
            "ports": [{"name": "http", "port": 80, "protocol": "TCP"}],
            "endpoints": [
                {"addresses": [f"10.244.0.{10 + i}"], "conditions": {"ready": True}}
                for i in range(3)
            ],
        },
    ],
}  # fmt: skip


def start(net, *args: str, log) -> subprocess.Popen[str]:
    command = ["ip", "netns", "exec", net.node, sys.executable, "-m", "pyk8s", *args]
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True)


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_proxy_process_serves_services_reports_health_and_cleans_up(net, tmp_path):
    net.add_foreign_rules()
    before = net.iptables_save()
    log = (tmp_path / "components.log").open("w")
    apiserver = start(net, "apiserver", "--data-dir", str(tmp_path / "data"),
                      "--insecure-port", "18080", "--secure-port", "0",
                      "--service-cluster-ip-range", "10.96.0.0/24", log=log)  # fmt: skip
    proxy = None
    try:
        wait_for(lambda: net.fetch(f"{API}/healthz", 1) == ["ok"], "the API server")
        proxy = start(net, "proxy", "--master", API, "--hostname-override", "node-a",
                      "--iptables-min-sync-period", "100ms", "--cluster-cidr", "10.244.0.0/16",
                      "--healthz-bind-address", "127.0.0.1:10256", log=log)  # fmt: skip
        kubectl = ["ip", "netns", "exec", net.node, kubectl_binary(), "--server", API]
        # --validate=false: client-side schema validation is not what is tested here.
        env = {**os.environ, "HOME": str(tmp_path)}
        subprocess.run([*kubectl, "create", "--validate=false", "-f", "-"], env=env,
                       input=json.dumps(MANIFESTS), check=True, capture_output=True,
                       text=True, timeout=60)  # fmt: skip
        pods = {"pod-0", "pod-1", "pod-2"}
        wait_for(lambda: set(net.fetch("http://10.96.0.10/", 30)) == pods, "the cluster IP")
        assert set(net.fetch(f"http://{NODE_IP}:30080/", 5)) <= pods
        health = json.loads(net.fetch("http://127.0.0.1:10256/healthz", 1)[0])
        assert health["healthy"] is True
    finally:
        if proxy is not None:
            stop(proxy)
        stop(apiserver)
        log.close()
    assert "KUBE-SERVICES" in net.iptables_save()  # a stopped proxy leaves its rules working
    out = run("ip", "netns", "exec", net.node, sys.executable, "-m", "pyk8s", "proxy", "--cleanup")
    assert "removed" in out
    assert net.iptables_save() == before, (tmp_path / "components.log").read_text()[-3000:]


@pytest.mark.parametrize("flag", ["--iptables-sync-period=5x", "--proxy-mode=ipvs"])
def test_bad_flags_are_refused(flag):
    result = subprocess.run([sys.executable, "-m", "pyk8s", "proxy", flag],
                            cwd=ROOT, capture_output=True, text=True, timeout=30)  # fmt: skip
    assert result.returncode == 2 and "proxy" in result.stderr
