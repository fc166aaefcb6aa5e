"""The real processes and the real kubectl: `pyk8s apiserver`, `pyk8s controller-manager`,
and what a user sees of StatefulSets and Jobs (rollout status, wait, get columns)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.apiserver import ROOT, ServerProcess
from tests.support.kubectl import Kubectl

STATEFULSET = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  replicas: 2
  serviceName: web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: web:v1}]}
"""
READY = {"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}


@pytest.fixture
def cluster_processes(tmp_path: Path) -> Iterator[Kubectl]:
    server = ServerProcess(
        tmp_path / "data",
        tmp_path / "apiserver.log",
        flags=("--disable-admission-plugins", "ServiceAccount"),
    )
    server.start()
    command = [sys.executable, "-m", "pyk8s", "controller-manager", "--master", server.url]
    command += ["--leader-elect=false", "--secure-port", "0", "--controllers", "statefulset,job"]
    log = (tmp_path / "controller-manager.log").open("ab")
    manager = subprocess.Popen(command, stdout=log, stderr=log, cwd=ROOT)
    try:
        yield Kubectl(server.url, tmp_path / "kubectl", namespace="default")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(manager.pid, signal.SIGTERM)
        try:
            manager.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(manager.pid, signal.SIGKILL)
            manager.wait()
        log.close()
        server.stop()


def make_ready(kubectl: Kubectl, pod: str, timeout: float = 20) -> None:
    """Play the kubelet: wait for the pod, then report it Running and Ready."""
    deadline = time.monotonic() + timeout
    while kubectl.run("get", "pod", pod, check=False).returncode != 0:
        assert time.monotonic() < deadline, f"pod {pod} never appeared"
        time.sleep(0.1)
    kubectl.run(
        "patch", "pod", pod, "--subresource=status", "--type=merge", "-p", json.dumps(READY)
    )


def test_statefulset_rollout_and_job_completion_as_kubectl_sees_them(
    cluster_processes: Kubectl,
) -> None:
    kubectl = cluster_processes
    kubectl.run("apply", "-f", "-", input=STATEFULSET)
    make_ready(kubectl, "web-0")
    make_ready(kubectl, "web-1")
    rollout = kubectl.run("rollout", "status", "statefulset/web", "--timeout=30s")
    assert "partitioned roll out complete: 2 new pods have been updated" in rollout.stdout
    table = kubectl.run("get", "statefulset", "web").stdout.split("\n")
    assert table[0].split() == ["NAME", "READY", "AGE"] and table[1].split()[:2] == ["web", "2/2"]

    kubectl.run("create", "job", "once", "--image=busybox")
    pod = ""
    deadline = time.monotonic() + 20
    while not pod:
        assert time.monotonic() < deadline, "the job's pod never appeared"
        pod = kubectl.run("get", "pods", "-l", "job-name=once", "-o", "name").stdout.strip()
        time.sleep(0.1)
    done = {"status": {"phase": "Succeeded"}}
    kubectl.run("patch", pod, "--subresource=status", "--type=merge", "-p", json.dumps(done))
    kubectl.run("wait", "--for=condition=complete", "job/once", "--timeout=30s")
    row = kubectl.run("get", "job", "once").stdout.split("\n")[1].split()
    assert row[:3] == ["once", "Complete", "1/1"]
