"""Real `pyk8s scheduler` processes for the scheduler's integration tests, and small helpers
to make the objects it works on (Nodes with allocatable resources, Pods) through the API.

A process is stopped by its PID, also when the test fails (use `SchedulerProcesses` as a
fixture). Objects are made with plain HTTP on the loopback API server, so that kubectl is
kept for what a user looks at (events, describe, componentstatuses).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from tests.support.apiserver import ROOT

T = TypeVar("T")


class SchedulerProcess:
    def __init__(self, master: str, workdir: Path, name: str, *flags: str) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / f"{name}.log"
        command = [sys.executable, "-m", "pyk8s", "scheduler", "--master", master]
        command += ["--cert-dir", str(workdir / f"{name}-certs"), *flags]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=log, cwd=ROOT)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: the process dies holding its lease, as on a crashed machine."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()


class SchedulerProcesses:
    """Starts schedulers for one test and stops every one of them at the end."""

    def __init__(self, master: str, workdir: Path) -> None:
        self.master, self.workdir = master, workdir
        self.started: list[SchedulerProcess] = []

    def start(self, name: str, *flags: str) -> SchedulerProcess:
        process = SchedulerProcess(self.master, self.workdir, name, *flags)
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            process.stop()


class Api:
    """Just enough of the REST API, over plain HTTP, to set the scene and poll."""

    def __init__(self, url: str) -> None:
        self.url = url

    def request(self, method: str, path: str, body: Any = None, content_type: str = "") -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": content_type or "application/json"}
        request = urllib.request.Request(self.url + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{method} {path}: {error.code} {error.read()!r}") from None

    def create_node(self, name: str, cpu: str = "2", **spec: Any) -> None:
        labels = {"kubernetes.io/hostname": name, **spec.pop("labels", {})}
        allocatable = {"cpu": cpu, "memory": "4Gi", "pods": "110"}
        node = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name, "labels": labels},
            "spec": spec,
            "status": {"allocatable": allocatable, "capacity": allocatable},
        }
        self.request("POST", "/api/v1/nodes", node)

    def create_pod(self, name: str, cpu: str = "100m", **spec: Any) -> None:
        container = {"name": "c", "image": "busybox", "resources": {"requests": {"cpu": cpu}}}
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name},
            "spec": {"containers": [container], **spec},
        }
        self.request("POST", "/api/v1/namespaces/default/pods", pod)

    def pod(self, name: str) -> dict[str, Any]:
        return self.request("GET", f"/api/v1/namespaces/default/pods/{name}")

    def node_of(self, name: str) -> str:
        return self.pod(name)["spec"].get("nodeName") or ""

    def ensure_default_service_account(self) -> None:
        # No controller-manager runs in these tests to make it.
        account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}
        with contextlib.suppress(AssertionError):  # already there
            self.request("POST", "/api/v1/namespaces/default/serviceaccounts", account)


def eventually(check: Callable[[], T], timeout: float = 15.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout} s (last: {result!r})")
        time.sleep(0.1)
