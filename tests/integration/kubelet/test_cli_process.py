"""`pyk8s kubelet --container-runtime hollow` as a real process against a real API server
process: the node appears (the tutorials' moment), and a pod bound to it runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.support.apiserver import ROOT, apiserver_process  # noqa: F401


def kubectl(server: str, *args: str) -> str:
    result = subprocess.run(
        ["kubectl", "--server", server, *args], capture_output=True, text=True, timeout=30
    )
    return result.stdout + result.stderr


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_kubelet_process_registers_and_runs_a_pod(apiserver_process, tmp_path):  # noqa: F811
    server = apiserver_process.url
    command = [sys.executable, "-m", "pyk8s", "kubelet", "--master", server, "--container-runtime", "hollow",
               "--hostname-override", "worker-0", "--pod-cidr", "10.200.0.0/24", "--node-ip", "127.0.0.1",
               "--port", "0", "--root-dir", str(tmp_path / "kubelet")]  # fmt: skip
    log = (tmp_path / "kubelet.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        assert wait_for(lambda: " Ready " in kubectl(server, "get", "nodes")), kubectl(
            server, "get", "nodes"
        )
        kubectl(server, "create", "serviceaccount", "default")
        manifest = tmp_path / "pod.yaml"
        manifest.write_text(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n"
            "spec: {nodeName: worker-0, containers: [{name: web, image: nginx}]}\n"
        )
        print(kubectl(server, "apply", "-f", str(manifest)))
        assert wait_for(lambda: "Running" in kubectl(server, "get", "pod", "web")), kubectl(
            server, "get", "pod", "web"
        )
        wide = kubectl(server, "get", "pod", "web", "-o", "wide")
        assert "10.200.0." in wide and "worker-0" in wide
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
    if process.returncode not in (0, -signal.SIGTERM, 130):
        pytest.fail((tmp_path / "kubelet.log").read_text()[-2000:])
