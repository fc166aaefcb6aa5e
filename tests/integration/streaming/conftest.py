"""A small cluster for the streaming tests: a real API server (in this process), a real
kubelet API server over HTTPS backed by local processes, a Node pointing at it, a Running
Pod bound to that node, and the real kubectl.

kubectl is run in a worker thread (`cluster.kubectl(...)`), so that this event loop keeps
serving the API server and the kubelet while kubectl talks to them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from pyk8s.apiserver.config import APIServerConfig
from pyk8s.apiserver.server import APIServer
from pyk8s.kubelet.server import KubeletServer
from tests.support.kubectl import Kubectl
from tests.support.local_containers import LocalContainerIO

NODE, POD, CONTAINER = "node1", "web", "app"


@dataclass
class Cluster:
    apiserver: APIServer
    kubelet: KubeletServer
    backend: LocalContainerIO
    client: Kubectl
    tmp: Path

    async def kubectl(
        self, *args: str, input: str | None = None, env: dict[str, str] | None = None,
        timeout: float = 30, check: bool = True,
    ) -> subprocess.CompletedProcess[str]:  # fmt: skip
        """Run kubectl to its end without blocking the servers in this loop."""
        command = [self.client.binary, "--server", self.client.server_url, *args]
        environment = {**self.client.env, **(env or {})}

        def run() -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                command, input=input, capture_output=True, text=True, timeout=timeout,
                env=environment,
            )  # fmt: skip

        result = await asyncio.to_thread(run)
        if check and result.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} failed ({result.returncode}):\n"
                f"stdout: {result.stdout}\nstderr: {result.stderr}"
            )
        return result

    def popen(self, *args: str, env: dict[str, str] | None = None, **kwargs: Any):
        command = [self.client.binary, "--server", self.client.server_url, *args]
        return subprocess.Popen(command, env={**self.client.env, **(env or {})}, **kwargs)


def stop_process(process: subprocess.Popen) -> None:
    """Stop a process this test started, by its PID."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


async def _put_status(http: aiohttp.ClientSession, path: str, status: dict[str, Any]) -> None:
    async with http.get(path) as response:
        obj = await response.json()
    obj["status"] = status
    async with http.put(path + "/status", json=obj) as response:
        assert response.status == 200, await response.text()


async def _create(http: aiohttp.ClientSession, path: str, obj: dict[str, Any]) -> None:
    async with http.post(path, json=obj) as response:
        assert response.status == 201, await response.text()


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    config = APIServerConfig(data_dir=str(tmp_path / "data"), insecure_port=0, secure_port=None)
    apiserver = APIServer(config)
    backend = LocalContainerIO(tmp_path / "pods")
    kubelet = KubeletServer(backend, address="127.0.0.1", port=0, cert_dir=str(tmp_path / "pki"))
    await apiserver.start()
    try:
        port = await kubelet.start()
        async with aiohttp.ClientSession(base_url=apiserver.http_url) as http:
            await _create(http, "/api/v1/nodes", {"metadata": {"name": NODE}})
            await _put_status(http, f"/api/v1/nodes/{NODE}", {
                "addresses": [{"type": "InternalIP", "address": "127.0.0.1"},
                              {"type": "Hostname", "address": NODE}],
                "daemonEndpoints": {"kubeletEndpoint": {"Port": port}},
            })  # fmt: skip
            # No controller-manager here to make the namespace's default service account.
            await _create(http, "/api/v1/namespaces/default/serviceaccounts",
                          {"metadata": {"name": "default"}})  # fmt: skip
            pod = {
                "metadata": {"name": POD, "namespace": "default"},
                "spec": {"nodeName": NODE,
                         "containers": [{"name": CONTAINER, "image": "busybox"}]},
            }  # fmt: skip
            await _create(http, "/api/v1/namespaces/default/pods", pod)
            await _put_status(http, f"/api/v1/namespaces/default/pods/{POD}", {
                "phase": "Running",
                "containerStatuses": [{"name": CONTAINER, "ready": True, "restartCount": 0,
                                       "image": "busybox", "imageID": "", "started": True,
                                       "state": {"running": {"startedAt": "2024-01-01T00:00:00Z"}}}],
            })  # fmt: skip
        backend.add("default", POD, CONTAINER)
        yield Cluster(
            apiserver, kubelet, backend, Kubectl(apiserver.http_url, tmp_path / "kc"), tmp_path
        )
    finally:
        await backend.close()
        await kubelet.stop()
        await apiserver.stop()
